/**
 * The files of a JSON Lines table. Production is ONE file, `<table>.jsonl`: its first line is
 * a header (`{"$wharf":{…}}`: the Arrow schema and the ids of committed runs), every other line
 * a row. A commit writes the whole next file beside it and renames it into place, so readers
 * see the old file or the new one, never a mix, and the run ids change in the same rename as
 * the rows they describe.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, ConnectionError, StoreError } from '@wharf/store-core';

/** Paths of one table. */
export function tablePaths(directory, table) {
  return {
    production: join(directory, `${table}.jsonl`),
    staging: join(directory, `.${table}.staging`),
    journal: join(directory, `.${table}.journal`),
    lock: join(directory, `.${table}.lock`),
  };
}

/** Turns a filesystem failure into a store error (the driver error stays as `cause`). */
export function fsError(error, what) {
  if (StoreError.isInstance(error)) return error;
  return new ConnectionError(`jsonl store: ${what} failed (${error?.code ?? 'error'})`, {
    cause: error,
  });
}

/** Reads production: `{ header, lines }`, or an empty table when nothing was committed. */
export async function readProduction(path) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return { header: { runs: [] }, lines: [] };
    throw fsError(error, `reading ${path}`);
  }
  const [first, ...rest] = text.split('\n');
  const header = JSON.parse(first).$wharf;
  return { header, lines: rest.filter((line) => line !== '') };
}

/** Writes `content` to `path` durably: a temporary file, fsync, rename. */
export async function replaceFile(path, content) {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw fsError(error, `writing ${path}`);
  }
}

/** Lists a directory, `[]` when it does not exist. */
export async function list(path) {
  try {
    return (await readdir(path)).filter((name) => !name.endsWith('.tmp'));
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw fsError(error, `listing ${path}`);
  }
}

/** Creates a directory and its parents. */
export async function ensureDirectory(path) {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw fsError(error, `creating ${path}`);
  }
}

/**
 * Runs `action` holding the table's lock file (created with O_EXCL), so that commits of several
 * stores and processes take turns. A lock whose process died is broken.
 */
export async function withLock(path, action) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw fsError(error, `locking ${path}`);
      if (await isStale(path)) continue;
      if (Date.now() > deadline) {
        throw new ConflictError(`${path} stayed locked for 30 s`, { retryable: true });
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  try {
    return await action();
  } finally {
    await rm(path, { force: true });
  }
}

async function isStale(path) {
  const pid = Number(await readFile(path, 'utf8').catch(() => ''));
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    if (error.code === 'EPERM') return false;
    await rm(path, { force: true });
    return true;
  }
}
