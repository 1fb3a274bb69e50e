/**
 * Comparing row sets. Production has no defined row order, so rows compare as multisets:
 * a row twice where the kit expects it once is a difference (a duplicate), not a match.
 */
import { plural } from './assertions.js';
import { type CanonicalRow, displayRow } from './normalize.js';

/** How two row multisets differ. */
export interface RowDiff {
  /** Expected rows production lacks (one entry per missing copy). */
  readonly missing: readonly CanonicalRow[];
  /** Rows production holds beyond the expected ones (one entry per extra copy). */
  readonly unexpected: readonly CanonicalRow[];
}

/** The multiset difference of `actual` against `expected`. */
export function diffRows(
  actual: readonly CanonicalRow[],
  expected: readonly CanonicalRow[],
): RowDiff {
  const remaining = new Map<string, CanonicalRow[]>();
  for (const row of expected) {
    const bucket = remaining.get(row.key);
    if (bucket) bucket.push(row);
    else remaining.set(row.key, [row]);
  }
  const unexpected: CanonicalRow[] = [];
  for (const row of actual) {
    const bucket = remaining.get(row.key);
    if (bucket && bucket.length > 0) bucket.pop();
    else unexpected.push(row);
  }
  const missing = [...remaining.values()].flat();
  return { missing, unexpected };
}

/** True when the two multisets are equal. */
export function sameRows(
  actual: readonly CanonicalRow[],
  expected: readonly CanonicalRow[],
): boolean {
  if (actual.length !== expected.length) return false;
  const diff = diffRows(actual, expected);
  return diff.missing.length === 0 && diff.unexpected.length === 0;
}

/** Values of `column` that occur more than once, as canonical text. */
export function duplicateValues(rows: readonly CanonicalRow[], column: string): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const row of rows) {
    const raw = row.values[column] ?? null;
    const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
    if (seen.has(value)) duplicates.add(value);
    seen.add(value);
  }
  return [...duplicates];
}

function examples(rows: readonly CanonicalRow[]): string {
  const shown = rows.slice(0, 3).map(displayRow).join('; ');
  return rows.length > 3 ? `${shown}; …` : shown;
}

/**
 * One sentence on how `actual` differs from `expected`: counts, duplicated keys, a few missing
 * and unexpected rows.
 */
export function describeDifference(
  actual: readonly CanonicalRow[],
  expected: readonly CanonicalRow[],
  keyColumn = 'id',
): string {
  const diff = diffRows(actual, expected);
  const parts = [`it holds ${plural(actual.length, 'row')}, expected ${expected.length}`];
  const duplicates = duplicateValues(actual, keyColumn);
  if (duplicates.length > 0 && duplicateValues(expected, keyColumn).length === 0) {
    const shown = duplicates.slice(0, 5).join(', ');
    parts.push(
      `${plural(duplicates.length, `duplicated ${keyColumn}`)} (${shown}${duplicates.length > 5 ? ', …' : ''})`,
    );
  }
  if (diff.missing.length > 0) {
    parts.push(`${diff.missing.length} missing (e.g. ${examples(diff.missing)})`);
  }
  if (diff.unexpected.length > 0) {
    parts.push(`${diff.unexpected.length} unexpected (e.g. ${examples(diff.unexpected)})`);
  }
  return parts.join('; ');
}
