/**
 * Staging a part's rows with plain commands: the rows are encoded in chunks of `pipelineBatch`
 * rows (see redis-row-encoder.ts), each chunk is one guarded transaction (see
 * redis-staging-transaction.ts), and `pipelineDepth` transactions are in flight at once.
 *
 * A key staged again within a run must replace the earlier row whole, not merge with it. HSET
 * tells when that happened: it replies with the number of fields it added, and a row staged
 * before already has at least its key fields. Each such row is written again, deleted first, in
 * a transaction sent after its chunk's reply. Replies come back in the order the chunks were
 * sent, so these rewrites go out in chunk order too; a row staged again later is itself found
 * staged before and rewritten after, so every row ends up as its last occurrence in the run.
 */
import type { StagingError } from '@wharf/store-core';
import type { RecordBatch } from 'apache-arrow';
import { CommandBuffer, encodedArgument } from './redis-command-buffer.js';
import type { RedisContext } from './redis-context.js';
import {
  type EncodedRows,
  ROW_LAYOUT,
  RowEncoder,
  type RowEncoderOptions,
} from './redis-row-encoder.js';
import { type StagingTarget, stagingTransaction } from './redis-staging-transaction.js';

/** A chunk is sent once its commands take this many bytes, whatever `pipelineBatch` says. */
const MAX_CHUNK_BYTES = 8 * 1024 * 1024;

const DEL = encodedArgument('DEL');

/** A chunk in flight: its rows (kept for rewrites) and its transaction's replies. */
interface InFlight {
  readonly chunk: EncodedRows;
  readonly replies: Promise<unknown[]>;
}

/**
 * Stages `batches` (one part) for `target` and returns how many identifiers were new to the
 * index. `lost` makes the error of a run whose staging Redis no longer has.
 */
export async function stageRows(
  context: RedisContext,
  target: StagingTarget,
  batches: readonly RecordBatch[],
  encoding: RowEncoderOptions,
  lost: () => StagingError,
): Promise<number> {
  const encoder = new RowEncoder(encoding);
  const inFlight: InFlight[] = [];
  const rewrites: Promise<void>[] = [];
  let added = 0;
  const send = (body: Buffer, commands: number) =>
    context.call('stagePart', async () => {
      const replies = await stagingTransaction(context, target, body, commands);
      if (!replies) throw lost();
      return replies;
    });
  const settle = async () => {
    const { chunk, replies } = inFlight.shift()!;
    const executed = await replies;
    added += Number(executed[executed.length - 1]);
    const again = stagedBefore(chunk, executed);
    if (again.length > 0) {
      const { body, commands } = rewriteRows(chunk, again);
      const rewrite = send(body, commands).then(() => undefined);
      // Awaited at the end (or settled on failure); handled now, so that an early failure is
      // not reported as unhandled in between.
      rewrite.catch(() => undefined);
      rewrites.push(rewrite);
    }
  };
  const flush = async () => {
    const chunk = encoder.take();
    const replies = send(chunk.bytes, chunk.rows * chunk.commandsPerRow + 1);
    // Settled (and rethrown) by `settle`, or by the final allSettled on failure.
    replies.catch(() => undefined);
    inFlight.push({ chunk, replies });
    if (inFlight.length >= context.pipelineDepth) await settle();
  };
  try {
    for (const batch of batches) {
      encoder.useBatch(batch);
      for (let row = 0; row < batch.numRows; row += 1) {
        encoder.addRow(row);
        if (encoder.rows >= context.pipelineBatch || encoder.byteLength >= MAX_CHUNK_BYTES) {
          await flush();
        }
      }
    }
    if (encoder.rows > 0) await flush();
    while (inFlight.length > 0) await settle();
    await Promise.all(rewrites);
  } catch (error) {
    await Promise.allSettled([...inFlight.map((pending) => pending.replies), ...rewrites]);
    throw error;
  }
  return added;
}

/** The rows of `chunk` whose HSET found the row already there. */
function stagedBefore(chunk: EncodedRows, executed: readonly unknown[]): number[] {
  const rows: number[] = [];
  const { layout, commandsPerRow } = chunk;
  for (let row = 0; row < chunk.rows; row += 1) {
    const fields = layout[row * ROW_LAYOUT.size + ROW_LAYOUT.fields]!;
    if (Number(executed[row * commandsPerRow]) < fields) rows.push(row);
  }
  return rows;
}

/** `DEL` and the row's commands again, for each of `rows`. */
function rewriteRows(
  chunk: EncodedRows,
  rows: readonly number[],
): { body: Buffer; commands: number } {
  const out = new CommandBuffer();
  const { layout, bytes } = chunk;
  for (const row of rows) {
    const at = row * ROW_LAYOUT.size;
    out.command(2);
    out.raw(DEL);
    out.raw(bytes.subarray(layout[at + ROW_LAYOUT.keyStart], layout[at + ROW_LAYOUT.keyEnd]));
    out.raw(bytes.subarray(layout[at + ROW_LAYOUT.start], layout[at + ROW_LAYOUT.end]));
  }
  return { body: out.take(), commands: rows.length * (1 + chunk.commandsPerRow) };
}
