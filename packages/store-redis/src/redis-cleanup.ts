/**
 * Removing keys without SCAN: every row hash belongs to a version's index (or deleted index),
 * written in the same transaction or script as its identifier, so walking the indexes in bounded
 * chunks finds every row. A run stages into a version of its own, so removing its staging is
 * removing that version. A version is only ever removed when it is not current, which the script
 * checks again at every chunk.
 */
import type { RedisContext } from './redis-context.js';
import { DROP_ROWS, FORGET_RUN } from './redis-scripts.js';

/** Rows deleted per script call. */
const DROP_CHUNK = 1000;

/**
 * Deletes the rows of `index` and the index itself, then `extraKeys`. Stops (returning false)
 * if `version` is current, or `owner` is given and did not stage it.
 */
async function dropIndex(
  context: RedisContext,
  index: string,
  version: string,
  owner: string,
  extraKeys: readonly string[],
): Promise<boolean> {
  for (;;) {
    const state = await context.call('cleanup', () =>
      context.scripts.run(DROP_ROWS, [
        context.keys.base,
        index,
        context.keys.rowPrefix(version),
        DROP_CHUNK,
        version,
        owner,
        ...extraKeys,
      ]),
    );
    if (state === 'refused') return false;
    if (state === 'done') return true;
  }
}

/**
 * Removes every key of `version` unless it is (or becomes) current. With `owner`, only if run
 * `owner` staged it.
 */
export async function dropVersion(
  context: RedisContext,
  version: string,
  owner = '',
): Promise<boolean> {
  const { keys } = context;
  const deletedDone = await dropIndex(context, keys.deleted(version), version, owner, []);
  if (!deletedDone) return false;
  return dropIndex(context, keys.index(version), version, owner, [
    keys.index(version),
    keys.deleted(version),
    keys.meta(version),
  ]);
}

/**
 * Removes a run's staging: the version it staged into (unless a commit made it current, or the
 * version's metadata names another run), then its entry. `knownVersions` adds versions the caller
 * knows the run staged into.
 */
export async function dropRunStaging(
  context: RedisContext,
  runId: string,
  knownVersions: readonly string[] = [],
): Promise<void> {
  const { keys } = context;
  const client = context.client();
  const [entryText, current] = await context.call('discard', async () => {
    const reply = await client.multi().hget(keys.staging, runId).get(keys.current).exec();
    if (!reply) throw new Error('the transaction was aborted');
    return reply.map(([error, value]) => {
      if (error) throw error;
      return value as string | null;
    });
  });
  const staged = entryText ? (JSON.parse(entryText) as { version?: string }).version : undefined;
  const versions = [...new Set([staged ?? '', ...knownVersions])].filter(
    (version) => version !== '',
  );
  for (const version of versions) {
    if (version !== current) await dropVersion(context, version, runId);
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
