/**
 * The directories below a store's prefix: which ones stay when a delete empties them, and
 * which ones go.
 *
 * ADLS Gen2 has real directories: creating a file creates its missing parents, a rename needs
 * its destination's parent to exist, and deleting the last file of a directory leaves the
 * directory behind. The engine's fixed directories (FORMAT.md) are written into by every run,
 * so they stay: removing them would make the next run create them again, at a request or
 * three each. Every other directory (a run's `data/<run id>/` or `_wharf/staging/<run id>/`,
 * or the directory of any key used directly) is removed once a delete or rename empties it,
 * so that finished runs leave no empty folders behind (S3 and GCS have none).
 */
import type { DataLakeFileSystemClient } from '@azure/storage-file-datalake';
import { parentOf } from './adls-paths.js';

/** Where writes are uploaded before they are renamed onto their key (below the prefix). */
export const ADLS_TEMPORARY_DIRECTORY = '_wharf/tmp';

/** The engine's fixed directories, relative to the prefix: kept when they become empty. */
export const ADLS_KEPT_DIRECTORIES: readonly string[] = [
  '_wharf',
  ADLS_TEMPORARY_DIRECTORY,
  '_wharf/commits',
  '_wharf/journal',
  '_wharf/runs',
  '_wharf/staging',
  'data',
];

/** Which directories below one prefix stay, and which may be removed once empty. */
export interface DirectoryPolicy {
  /** Whether `directory` (a path in the file system) is one of the kept directories. */
  isKept(directory: string): boolean;
  /**
   * The directories that removing `paths` may have emptied and that may go, deepest first:
   * each path's ancestors below the prefix, up to (not including) a kept directory.
   */
  emptied(paths: Iterable<string>): string[];
}

/** The {@link DirectoryPolicy} of the store whose directory is `prefix` (`''`: the root). */
export function directoryPolicy(prefix: string): DirectoryPolicy {
  const kept = new Set(
    ADLS_KEPT_DIRECTORIES.map((directory) =>
      prefix === '' ? directory : `${prefix}/${directory}`,
    ),
  );
  const removable = (directory: string) =>
    directory !== '' &&
    !kept.has(directory) &&
    (prefix === '' || directory.startsWith(`${prefix}/`));
  return {
    isKept: (directory) => kept.has(directory),
    emptied(paths) {
      const found = new Set<string>();
      for (const path of paths) {
        for (let directory = parentOf(path); removable(directory); ) {
          found.add(directory);
          directory = parentOf(directory);
        }
      }
      return [...found].sort((left, right) => right.split('/').length - left.split('/').length);
    },
  };
}

/**
 * Removes each of `directories` (deepest first, as {@link DirectoryPolicy.emptied} gives
 * them) if it is empty: one non-recursive delete each. Best effort: the service refuses to
 * delete a directory that is not empty (a writer may just have added a file), and then its
 * ancestors are not tried; any failure is ignored.
 */
export async function removeEmptyDirectories(
  client: DataLakeFileSystemClient,
  directories: readonly string[],
): Promise<void> {
  const kept = new Set<string>();
  for (const directory of directories) {
    if (kept.has(directory)) continue;
    try {
      await client.getDirectoryClient(directory).delete(false);
    } catch {
      for (let above = directory; above !== ''; above = parentOf(above)) kept.add(above);
    }
  }
}
