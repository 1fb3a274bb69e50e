/**
 * Publishing an `incremental` or `merge` run too large for one script (more than
 * `maxScriptRows` rows) without giving up atomicity: the run staged into a version of its own,
 * so production's rows are copied into that version (never over a row the run staged, in
 * bounded script calls that never block the server for long) and one final script points
 * `current` at it. Each copied identifier is noted in the run's `copied` set, so that a publish
 * that starts over, or that recovery resumes after a crash, first removes what an earlier attempt
 * copied and never mistakes a copy for a row of the run.
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
import { APPLY_CHANGES, COPY_ROWS, COPY_START, COPY_SWITCH, UNCOPY_ROWS } from './redis-scripts.js';

/** Rows copied or removed per script call. */
const COPY_CHUNK = 1000;
/** Changed rows re-applied per script call while catching up. */
const APPLY_CHUNK = 500;
/** Copies started over before giving up. */
const ATTEMPTS = 5;

/**
 * Calls a chunked script until it reports 'done'; `args(cursor)` builds its arguments. The
 * cursor goes back to Redis as the very bytes it came as.
 */
async function untilDone(
  context: RedisContext,
  script: string,
  args: (cursor: Buffer | string) => CommandArgument[],
): Promise<void> {
  let cursor: Buffer | string = '';
  for (;;) {
    const [last, state] = (await context.call('publish', () =>
      context.scripts.runBuffers(script, args(cursor)),
    )) as [Buffer, Buffer];
    if (state.toString() === 'done') return;
    cursor = last;
  }
}

/** Removes the rows an earlier attempt to publish run `runId` copied into `version`. */
export async function uncopyRows(
  context: RedisContext,
  runId: string,
  version: string,
): Promise<void> {
  for (;;) {
    const state = await context.call('publish', () =>
      context.scripts.run(UNCOPY_ROWS, [context.keys.base, runId, version, COPY_CHUNK]),
    );
    if (state === 'done') return;
  }
}

/**
 * Publishes a large run by copying production into `version`, the version the run staged into
 * (see the module comment).
 */
export async function publishLarge(
  context: RedisContext,
  run: RunInfo,
  expected: number,
  runSchema: Schema | undefined,
  version: string,
  checkpoint: Checkpoint,
): Promise<PublishResult> {
  const { keys } = context;
  const client = context.client();
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    if (attempt > 0) await uncopyRows(context, run.runId, version);
    const start = (await context.call('publish', () =>
      context.scripts.run(COPY_START, [keys.base, run.runId, version, expected]),
    )) as string[];
    if (start[0] === 'already') return { alreadyPublished: true };
    if (start[0] === 'lost') {
      throw new StagingError(
        `${context.name}: the staging of run ${run.runId} is gone from Redis (was the server restarted or flushed?); run it again`,
        { retryable: true },
      );
    }
    if (start[0] === 'missing') {
      throw new StagingError(
        `${context.name}: run ${run.runId} staged ${expected} rows but Redis holds ${start[1]} of them (was the server restarted, or did rows expire?); run it again`,
        { retryable: true },
      );
    }
    const [, source = '', epoch = '0', encoded = '', hash = ''] = start;
    await checkpoint('publish:copy-start');
    const merged = storedSchema(
      widenOptionalSchema(context.schemas.decode(encoded, hash), runSchema, {
        addColumns: context.addColumns,
        store: context.name,
      }),
    );
    if (source !== '') {
      for (const from of ['index', 'deleted']) {
        await untilDone(context, COPY_ROWS, (cursor) => [
          keys.base,
          source,
          version,
          from,
          cursor,
          COPY_CHUNK,
          run.runId,
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
          version,
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
          context.scripts.run(APPLY_CHANGES, [keys.base, run.runId, source, version, ...members]),
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
