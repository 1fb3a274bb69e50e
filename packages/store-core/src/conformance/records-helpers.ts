/**
 * Helpers of the record API sections (records, tenants, soft delete, concurrency): compare a
 * row the store returned with a standard row, and read the ids of a list.
 */
import type { Row } from '@wharf/store-core';
import { ensure } from './assertions.js';
import type { StandardRow } from './dataset.js';
import type { CheckHarness } from './harness.js';
import { canonicalRow, displayRow } from './normalize.js';

/** Fails unless `actual` (a row from the record API) equals the standard row `expected`. */
export function expectRecord(
  harness: CheckHarness,
  actual: Row | undefined,
  expected: StandardRow,
  situation: string,
): void {
  ensure(
    actual !== undefined && actual !== null && typeof actual === 'object',
    `${situation}: expected the row with id ${expected.id}, got ${String(actual)}`,
  );
  const wanted = harness.canonical([expected])[0]!;
  const got = canonicalRow(actual, harness.fields);
  ensure(
    got.key === wanted.key,
    () => `${situation}: the row differs — got ${displayRow(got)}, expected ${displayRow(wanted)}`,
  );
}

/** The `id` of each row, as a decimal string (the record API gives bigint or number). */
export function idsOf(rows: readonly Row[]): string[] {
  return rows.map((row) => String(row.id));
}

/** `1, 2, 3` from ids. */
export function idList(ids: readonly (string | number | bigint)[]): string {
  const shown = ids.slice(0, 12).map(String).join(', ');
  return ids.length > 12 ? `${shown}, … (${ids.length} in all)` : shown || 'none';
}

/** Ids of standard rows as decimal strings. */
export function standardIds(rows: readonly StandardRow[]): string[] {
  return rows.map((row) => row.id.toString());
}
