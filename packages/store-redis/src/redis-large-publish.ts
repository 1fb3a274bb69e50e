/**
 * Publishing an `incremental` or `merge` run too large for one script (more than
 * `maxScriptRows` rows) without giving up atomicity: the run builds a new version — its staged rows
 * moved (renamed) in, then production's other rows copied, in bounded script calls that never
 * block the server for long — and one final script points `current` at it. A staged row is at
 * any moment in exactly one place (its staging prefix or one attempt's version), so an attempt
 * that is started over, or resumed by recovery after a crash, finds every row.
 *
 * Production keeps changing meanwhile (record writes, small publishes). From the moment the copy
 * starts, every change of production logs the changed row identifiers in `changes`; the final
 * script first brings those rows of the new version up to date (at most `maxScriptRows` of them;
 * more are applied in bounded calls before it), so no change is lost. If another commit replaced
 * production's version or schema, the copy starts over (a few times, then a retryable
 * `ConflictError`).
 */
import {
  type Checkpoint,
  ConflictError,
  type PublishResult,
  type RunInfo,
  StagingError,
  widenOptionalSchema,
} from '@wharf/store-core';
import type { Schema } from 'apache-arrow';
import type { CommandArgument } from './redis-connection.js';
import type { RedisContext } from './redis-context.js';
import { storedSchema } from './redis-schemas.js';
import { APPLY_CHANGES, COPY_ROWS, COPY_START, COPY_SWITCH, MOVE_STAGED } from './redis-scripts.js';

/** Rows moved or copied per script call. */
const COPY_CHUNK = 1000;
/** Changed rows re-applied per script call while catching up. */
const APPLY_CHUNK = 500;
/** Copies started over before giving up. */
const ATTEMPTS = 5;

/**
 * Calls a chunked script until it reports 'done'; `args(cursor)` builds its arguments. Returns
 * the sum of the counts it reported. The cursor goes back to Redis as the very bytes it came as.
 */
async function untilDone(
  context: RedisContext,
  script: string,
  args: (cursor: Buffer | string) => CommandArgument[],
): Promise<number> {
  let cursor: Buffer | string = '';
  let total = 0;
  for (;;) {
    const [last, state, count] = (await context.call('publish', () =>
      context.scripts.runBuffers(script, args(cursor)),
    )) as [Buffer, Buffer, number | undefined];
    total += Number(count ?? 0);
    if (state.toString() === 'done') return total;
    cursor = last;
  }
}

/**
 * Publishes a large run by building a new version (see the module comment). `stagedVersion` is
 * the version the run staged into, if it did not stage under `stage:<runId>`.
 */
export async function publishLarge(
  context: RedisContext,
  run: RunInfo,
  expected: number,
  runSchema: Schema | undefined,
  stagedVersion: string,
  checkpoint: Checkpoint,
): Promise<PublishResult> {
  const { keys } = context;
  const client = context.client();
  const missing = (found: number) =>
    new StagingError(
      `${context.name}: run ${run.runId} staged ${expected} rows but Redis holds ${found} of them (was the server restarted, or did rows expire?); run it again`,
      { retryable: true },
    );
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const start = (await context.call('publish', () =>
      context.scripts.run(COPY_START, [keys.base, run.runId]),
    )) as string[];
    if (start[0] === 'already') return { alreadyPublished: true };
    if (start[0] === 'lost') {
      throw new StagingError(
        `${context.name}: the staging of run ${run.runId} is gone from Redis (was the server restarted or flushed?); run it again`,
        { retryable: true },
      );
    }
    const [, source = '', epoch = '0', encoded = '', hash = '', target = '', earlier = ''] = start;
    await checkpoint('publish:copy-start');
    const staged = await context.call('publish', () => client.zcard(keys.stageIndex(run.runId)));
    if (staged !== expected) throw missing(staged);
    const merged = storedSchema(
      widenOptionalSchema(context.schemas.decode(encoded, hash), runSchema, {
        addColumns: context.addColumns,
        store: context.name,
      }),
    );
    const locations = [
      keys.stageRowPrefix(run.runId),
      ...[stagedVersion, ...earlier.split(' ').reverse()]
        .filter((version) => version !== '')
        .map((version) => keys.rowPrefix(version)),
    ];
    const moved = await untilDone(context, MOVE_STAGED, (cursor) => [
      keys.base,
      run.runId,
      target,
      cursor,
      COPY_CHUNK,
      ...locations,
    ]);
    if (moved !== expected) throw missing(moved);
    await checkpoint('publish:moved');
    if (source !== '') {
      for (const from of ['index', 'deleted']) {
        await untilDone(context, COPY_ROWS, (cursor) => [
          keys.base,
          source,
          target,
          from,
          cursor,
          COPY_CHUNK,
        ]);
      }
    }
    await checkpoint('publish:copied');
    let since = epoch;
    for (;;) {
      const reply = (await context.call('publish', () =>
        context.scripts.run(COPY_SWITCH, [
          keys.base,
          run.runId,
          source,
          hash,
          target,
          since,
          merged.encoded,
          merged.hash,
          context.maxScriptRows,
        ]),
      )) as string[];
      if (reply[0] === 'ok') return { alreadyPublished: false };
      if (reply[0] === 'already') return { alreadyPublished: true };
      if (reply[0] === 'moved') break;
      const now = reply[1] ?? since;
      const changed = await context.call('publish', () =>
        client.zrangebyscoreBuffer(keys.changes, `(${since}`, now),
      );
      for (let offset = 0; offset < changed.length; offset += APPLY_CHUNK) {
        const members = changed.slice(offset, offset + APPLY_CHUNK);
        await context.call('publish', () =>
          context.scripts.run(APPLY_CHANGES, [keys.base, run.runId, source, target, ...members]),
        );
      }
      since = now;
    }
  }
  throw new ConflictError(
    `${context.name}: production kept being replaced while run ${run.runId} was published; run it again`,
    { retryable: true },
  );
}
