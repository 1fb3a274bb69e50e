/**
 * Removing keys without SCAN: every row hash belongs to an index (a version's, or a run's
 * staging index) and is written after its identifier, so walking the index in bounded chunks
 * finds every row. A version is only ever removed when it is not current, which the script
 * checks again at every chunk.
 */
import type { RedisContext } from './redis-context.js';
import { DROP_ROWS, DROP_STAGED, FORGET_RUN } from './redis-scripts.js';

/** Rows deleted per script call. */
const DROP_CHUNK = 1000;

/**
 * Deletes the rows of `index` and the index itself, then `extraKeys`. Stops (returning false)
 * if `guardVersion` is current.
 */
async function dropIndex(
  context: RedisContext,
  index: string,
  rowPrefix: string,
  guardVersion: string,
  extraKeys: readonly string[],
): Promise<boolean> {
  for (;;) {
    const state = await context.call('cleanup', () =>
      context.scripts.run(DROP_ROWS, [
        context.keys.base,
        index,
        rowPrefix,
        DROP_CHUNK,
        guardVersion,
        ...extraKeys,
      ]),
    );
    if (state === 'current') return false;
    if (state === 'done') return true;
  }
}

/** Removes every key of `version` unless it is (or becomes) current. */
export async function dropVersion(context: RedisContext, version: string): Promise<boolean> {
  const { keys } = context;
  const deletedDone = await dropIndex(
    context,
    keys.deleted(version),
    keys.rowPrefix(version),
    version,
    [],
  );
  if (!deletedDone) return false;
  return dropIndex(context, keys.index(version), keys.rowPrefix(version), version, [
    keys.index(version),
    keys.deleted(version),
    keys.meta(version),
  ]);
}

/**
 * Removes a run's staging: its staged rows wherever they are, the versions it built, its entry.
 * `knownVersions` adds versions the caller knows the run staged into.
 */
export async function dropRunStaging(
  context: RedisContext,
  runId: string,
  knownVersions: readonly string[] = [],
): Promise<void> {
  const { keys } = context;
  const client = context.client();
  const [entryText, attempts, current] = await context.call('discard', async () => {
    const reply = await client
      .multi()
      .hget(keys.staging, runId)
      .hget(keys.publishing, runId)
      .get(keys.current)
      .exec();
    if (!reply) throw new Error('the transaction was aborted');
    return reply.map(([error, value]) => {
      if (error) throw error;
      return value as string | null;
    });
  });
  const staged = entryText ? (JSON.parse(entryText) as { version?: string }).version : undefined;
  const versions = [
    ...new Set([staged ?? '', ...knownVersions, ...(attempts ?? '').split(' ')]),
  ].filter((version) => version !== '');
  for (;;) {
    const state = await context.call('discard', () =>
      context.scripts.run(DROP_STAGED, [keys.base, runId, DROP_CHUNK, ...versions]),
    );
    if (state === 'done') break;
  }
  for (const version of versions) {
    if (version !== current) await dropVersion(context, version);
  }
  await context.call('discard', () => context.scripts.run(FORGET_RUN, [keys.base, runId]));
}

/** Removes the versions commits have replaced. */
export async function collectGarbage(context: RedisContext): Promise<void> {
  const { keys } = context;
  const client = context.client();
  const retired = await context.call('cleanup', () => client.smembers(keys.retired));
  for (const version of retired) {
    if (await dropVersion(context, version)) {
      await context.call('cleanup', () => client.srem(keys.retired, version));
    }
  }
}
