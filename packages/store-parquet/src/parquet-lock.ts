/**
 * The dataset lock: one file created with `O_EXCL` (`open(path, 'wx')`), holding the owner's
 * host and process id. Every commit (read the current version, build the next, switch) runs
 * under it, so writers in several processes serialize. A lock whose process on this host no
 * longer exists is broken; so is an ownerless lock file older than a minute (a process that
 * died between creating the file and writing its owner). A lock held by a process on another
 * host is never broken: it waits for `timeoutMs`, then fails with a retryable `ConflictError`.
 */
import { randomUUID } from 'node:crypto';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ConflictError } from '@wharf/store-core';

/** How long an ownerless lock file may exist before it counts as abandoned. */
const OWNERLESS_AFTER_MS = 60_000;
/** Breaking a lock takes milliseconds; a breaker file this old was left by a dead process. */
const BREAKER_ABANDONED_AFTER_MS = 10_000;

/** Options of {@link withLock}. */
export interface LockOptions {
  /** Give up with a retryable `ConflictError` after waiting this long. */
  readonly timeoutMs: number;
  /** For messages. */
  readonly store: string;
}

/**
 * Runs `action` while holding the lock file at `path`; releases it afterwards, also when
 * `action` throws.
 */
export async function withLock<T>(
  path: string,
  options: LockOptions,
  action: () => Promise<T>,
): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + options.timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    if (await tryCreate(path, token)) break;
    if (await breakIfAbandoned(path)) continue;
    if (Date.now() > deadline) {
      throw new ConflictError(
        `${options.store}: the dataset stayed locked by another writer for ${options.timeoutMs} ms (${path})`,
        { retryable: true, cause: new Error('lock timeout') },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + attempt * 2)));
  }
  try {
    return await action();
  } finally {
    await release(path, token);
  }
}

async function tryCreate(path: string, token: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${hostname()} ${process.pid} ${token}`);
  } finally {
    await handle.close();
  }
  return true;
}

/** Removes the lock only if it is still ours (a broken lock may have been retaken). */
async function release(path: string, token: string): Promise<void> {
  try {
    const owner = await readFile(path, 'utf8');
    if (owner.split(' ')[2] === token) await rm(path, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

async function breakIfAbandoned(path: string): Promise<boolean> {
  const owner = await readOwner(path);
  if (owner === undefined) return true;
  if (!isAbandoned(owner)) return false;
  // Only the holder of the breaker file removes another process's lock, and it checks again
  // under it: the abandoned owner never releases, so the lock cannot change meanwhile.
  const breaker = `${path}.break`;
  if (!(await tryCreate(breaker, randomUUID()))) {
    const age = await stat(breaker).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (age > BREAKER_ABANDONED_AFTER_MS) await rm(breaker, { force: true });
    return false;
  }
  try {
    const current = await readOwner(path);
    if (current !== undefined && current.text === owner.text) await rm(path, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
  return true;
}

interface LockOwner {
  readonly text: string;
  readonly modifiedMs: number;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    const modifiedMs = (await stat(path)).mtimeMs;
    return { text, modifiedMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isAbandoned(owner: LockOwner): boolean {
  const [host, pid] = owner.text.split(' ');
  if (!host || !pid) return Date.now() - owner.modifiedMs > OWNERLESS_AFTER_MS;
  return host === hostname() && !isAlive(Number(pid));
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
