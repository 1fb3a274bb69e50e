/**
 * The state of one memory table and its binary snapshot format. A snapshot is one file:
 * the magic `WHARFMEM1`, a little-endian u32 length, a JSON header (published run ids, soft
 * delete markers), then the rows as an Arrow IPC stream. Writing it whole and renaming it into
 * place makes every change atomic.
 */
import { type RecordBatch, type Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { IntegrityError } from '../errors.js';

/** How many published run ids a table remembers for exactly-once publishing. */
export const PUBLISHED_RUNS_KEPT = 1000;

/** One table's production state. */
export interface TableState {
  /** `undefined` until the first commit. */
  schema: Schema | undefined;
  batches: RecordBatch[];
  /** Run ids already published, oldest first, at most {@link PUBLISHED_RUNS_KEPT}. */
  publishedRuns: string[];
  /** Soft-deleted keys (see `keyString`) and when they were deleted. */
  deleted: Record<string, string>;
}

/** A table that has never been committed. */
export function emptyState(): TableState {
  return { schema: undefined, batches: [], publishedRuns: [], deleted: {} };
}

const MAGIC = Buffer.from('WHARFMEM1');

/** Serializes a table state to the snapshot format. */
export function encodeState(state: TableState): Buffer {
  const header = Buffer.from(
    JSON.stringify({ publishedRuns: state.publishedRuns, deleted: state.deleted }),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const body =
    state.schema === undefined
      ? Buffer.alloc(0)
      : Buffer.from(tableToIPC(new Table(state.schema, state.batches), 'stream'));
  return Buffer.concat([MAGIC, length, header, body]);
}

/** Parses a snapshot written by {@link encodeState}. */
export function decodeState(bytes: Uint8Array, where: string): TableState {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new IntegrityError(`${where} is not a wharf memory snapshot`);
  }
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  const headerStart = MAGIC.length + 4;
  const header = JSON.parse(
    buffer.subarray(headerStart, headerStart + headerLength).toString(),
  ) as {
    publishedRuns: string[];
    deleted: Record<string, string>;
  };
  const body = buffer.subarray(headerStart + headerLength);
  if (body.length === 0) return { ...emptyState(), ...header };
  const table = tableFromIPC(body);
  return { schema: table.schema, batches: table.batches, ...header };
}
