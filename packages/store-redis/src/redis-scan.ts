/**
 * Walking production in index order: bounded chunks, each one script call that returns the
 * rows' values, with the cursor being the last identifier seen (no SCAN, no offsets that shift
 * under concurrent writes). A walk stays on the version it started on and fails with a
 * retryable `ConflictError` if a commit replaces that version under it.
 */
import { ConflictError } from '@wharf/store-core';
import type { Schema } from 'apache-arrow';
import type { CommandArgument } from './redis-connection.js';
import type { RedisContext } from './redis-context.js';
import { PRODUCTION_SCHEMA, READ_ROWS } from './redis-scripts.js';

/** Production as a walk sees it. */
export interface ProductionView {
  /** `undefined` before the first commit. */
  readonly version: string | undefined;
  readonly schema: Schema | undefined;
  readonly hash: string;
}

/** Reads which version production is and its schema. */
export async function readProduction(
  context: RedisContext,
  operation: string,
): Promise<ProductionView> {
  const reply = (await context.call(operation, () =>
    context.scripts.run(PRODUCTION_SCHEMA, [context.keys.base]),
  )) as string[];
  const [version, encoded = '', hash = ''] = reply;
  return { version, schema: context.schemas.decode(encoded, hash), hash };
}

/** What a walk reads. */
export interface ScanOptions {
  /** The version to stay on. */
  readonly version: string;
  /** The visible rows (`index`) or the soft-deleted ones (`deleted`). */
  readonly from: 'index' | 'deleted';
  /** The fields to read, in order. */
  readonly fields: readonly string[];
  /** Only the rows whose tenant column holds this tenant. */
  readonly tenant?: { readonly column: string; readonly id: string };
  /** Rows per script call. @default 1000 */
  readonly chunk?: number;
  /** Skip this many identifiers first (before the tenant filter). @default 0 */
  readonly offset?: number;
  /** For messages. */
  readonly operation: string;
}

/** One row of a walk: its identifier and the requested fields' values (`null`: absent). */
export interface ScannedRow {
  readonly member: Buffer;
  readonly cells: readonly (Buffer | null)[];
}

/** The rows of production in index order, one chunk at a time. */
export async function* scanRows(
  context: RedisContext,
  options: ScanOptions,
): AsyncGenerator<ScannedRow[]> {
  const chunk = options.chunk ?? 1000;
  const prune = context.ttlMs > 0 ? '1' : '0';
  let cursor: CommandArgument = '';
  let offset = options.offset ?? 0;
  for (;;) {
    const reply = (await context.call(options.operation, () =>
      context.scripts.runBuffers(READ_ROWS, [
        context.keys.base,
        options.version,
        options.from,
        cursor,
        chunk,
        options.tenant?.column ?? '',
        options.tenant?.id ?? '',
        prune,
        offset,
        options.fields.length,
        ...options.fields,
      ]),
    )) as unknown[];
    const status = String(reply[0]);
    if (status === 'none') return;
    if (status === 'moved') {
      throw new ConflictError(
        `${context.name}: a commit replaced production while ${options.operation}() was reading it; read again`,
        { retryable: true },
      );
    }
    const rows = (reply[5] as (Buffer | null)[][]).map((values) => ({
      member: values[0]!,
      cells: values.slice(1),
    }));
    if (rows.length > 0) yield rows;
    if (String(reply[4]) === 'done') return;
    cursor = reply[3] as Buffer;
    offset = 0;
  }
}
