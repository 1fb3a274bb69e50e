/**
 * Durable file-system steps. A commit is only as good as its ordering on disk: file contents
 * are flushed before a name points to them, and a folder is flushed after names change in it.
 */
import { constants } from 'node:fs';
import { copyFile, link, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { temporaryPath } from './parquet-layout.js';

/** Writes `bytes` to a new file at `path` and flushes it to disk. */
export async function writeFileDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` atomically with `bytes` (temporary file, flush, rename, flush the folder). */
export async function replaceFileDurably(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = temporaryPath(path);
  try {
    await writeFileDurably(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Flushes a folder's entries (new, renamed and removed names) to disk. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems cannot flush a folder; the data files themselves are flushed.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Gives the file at `from` a second name `to` (a hard link: no copy, same content). Falls back
 * to a copy (a reflink where the filesystem offers it) where hard links are not supported.
 */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK') {
      throw error;
    }
    await copyFile(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    const handle = await open(to, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** Every name in a folder, temporary files included; `[]` when the folder does not exist. */
export async function readNames(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The names in a folder, without temporary files; `[]` when the folder does not exist. */
export async function listNames(path: string): Promise<string[]> {
  return (await readNames(path)).filter((name) => !name.endsWith('.tmp'));
}

/** Removes a file or folder tree; nothing when it does not exist. */
export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, maxRetries: 3 });
}
