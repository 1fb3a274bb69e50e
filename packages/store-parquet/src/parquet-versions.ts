/**
 * Versions of a dataset and the switch between them. Production is whatever version the
 * production symlink points to; a commit builds a complete new version folder next to the
 * current one, flushes it, and replaces the symlink with one `rename()` — atomic on POSIX, so
 * a reader resolves either the old version or the new one, never a partial folder.
 */
import { lstat, mkdir, readlink, rename, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { IntegrityError, ValidationError } from '@wharf/store-core';
import { listNames, readNames, removeTree, syncDirectory } from './parquet-fs.js';
import {
  type DatasetLayout,
  symlinkTarget,
  temporaryPath,
  versionNumber,
  versionPath,
} from './parquet-layout.js';
import { type DatasetManifest, readManifest } from './parquet-manifest.js';

/** The version production points to. */
export interface CurrentVersion {
  /** The version folder's name. */
  readonly name: string;
  readonly number: number;
  /** The version folder's absolute path. */
  readonly path: string;
  readonly manifest: DatasetManifest;
}

/** What is at the production path. */
export type FolderState = 'absent' | 'symlink' | 'directory' | 'other';

/** Whether the production path is absent, our symlink, or something else. */
export async function folderState(layout: DatasetLayout): Promise<FolderState> {
  try {
    const info = await lstat(layout.folder);
    if (info.isSymbolicLink()) return 'symlink';
    return info.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
}

/** The committed version, or `undefined` before the first commit. */
export async function currentVersion(layout: DatasetLayout): Promise<CurrentVersion | undefined> {
  let target: string;
  try {
    target = await readlink(layout.folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EINVAL') throw notOurs(layout);
    throw error;
  }
  const name = basename(target);
  const number = versionNumber(name);
  if (number === undefined || target !== symlinkTarget(layout, name)) {
    throw new IntegrityError(
      `${layout.folder} is a symlink to ${target}, not to a version of this dataset (${symlinkTarget(layout, '<version>')})`,
    );
  }
  const path = versionPath(layout, name);
  return { name, number, path, manifest: await readManifest(path) };
}

/** The error for a production path that exists but is not a wharf dataset's symlink. */
export function notOurs(layout: DatasetLayout): ValidationError {
  return new ValidationError(
    `${layout.folder} already exists and is not a wharf Parquet dataset; move it away, or pass adoptExisting: true to make its Parquet files the dataset's first version`,
    { details: { path: layout.folder } },
  );
}

/** Points the production symlink at `version`, atomically, and flushes the parent folder. */
export async function switchTo(layout: DatasetLayout, version: string): Promise<void> {
  const temporary = temporaryPath(join(layout.parent, `.${layout.name}.wharf.link`));
  await symlink(symlinkTarget(layout, version), temporary);
  try {
    await rename(temporary, layout.folder);
  } catch (error) {
    await removeTree(temporary);
    throw error;
  }
  await syncDirectory(layout.parent);
}

/**
 * Removes versions no reader should need any more: everything but the current version and
 * the `keep - 1` before it, plus unfinished version folders and temporary links. Runs under
 * the dataset lock; never removes the version the symlink points to (read again here).
 */
export async function collectVersions(layout: DatasetLayout, keep: number): Promise<void> {
  const current = await currentVersion(layout);
  const names = await listNames(layout.versions);
  const older = names
    .map((name) => ({ name, number: versionNumber(name) }))
    .filter(
      (entry) =>
        entry.number !== undefined && current !== undefined && entry.number < current.number,
    )
    .sort((left, right) => right.number! - left.number!);
  const kept = new Set([
    ...(current ? [current.name] : []),
    ...older.slice(0, Math.max(0, keep - 1)).map((entry) => entry.name),
  ]);
  for (const name of names) {
    if (!kept.has(name)) await removeTree(versionPath(layout, name));
  }
  const prefix = `.${layout.name}.wharf.link.`;
  for (const name of await readNames(layout.parent)) {
    if (name.startsWith(prefix)) await removeTree(join(layout.parent, name));
  }
  for (const name of await readNames(layout.versions)) {
    if (name.endsWith('.tmp')) await removeTree(join(layout.versions, name));
  }
}

/** The highest version number on disk (0 when none), committed or not. */
export async function highestVersion(layout: DatasetLayout): Promise<number> {
  const numbers = (await listNames(layout.versions))
    .map(versionNumber)
    .filter((number): number is number => number !== undefined);
  return numbers.reduce((highest, number) => Math.max(highest, number), 0);
}

/** Creates an empty folder for version `version`, removing an unfinished one of that name. */
export async function prepareVersion(layout: DatasetLayout, version: string): Promise<string> {
  const path = versionPath(layout, version);
  await removeTree(path);
  await mkdir(path, { recursive: true });
  return path;
}
