/**
 * Where a dataset lives on disk. The production path is a symlink; everything else sits in a
 * hidden sibling folder on the same filesystem, so that every rename stays within one
 * filesystem and is atomic:
 *
 * ```
 * <parent>/<name>                        -> .<name>.wharf/versions/<version>   (symlink)
 * <parent>/.<name>.wharf/versions/<v>/   *.parquet + _wharf_manifest.json
 * <parent>/.<name>.wharf/staging/<runId>/ staged files of a run
 * <parent>/.<name>.wharf/journal/<runId>.json
 * <parent>/.<name>.wharf/lock            held while a commit switches versions
 * ```
 */
import { randomUUID } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { ValidationError } from '@wharf/store-core';

/** The manifest's file name inside a version folder. Readers skip names starting with `_`. */
export const MANIFEST_FILE = '_wharf_manifest.json';

/** Digits of a sequence file name and of a version folder name. */
export const SEQUENCE_DIGITS = 20;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;
const SEQUENCE_FILE = /^(\d{20})\.parquet$/;
const VERSION = /^\d{20}$/;

/** The paths of one dataset. */
export interface DatasetLayout {
  /** The production path readers glob (`<folder>/*.parquet`): a symlink once committed. */
  readonly folder: string;
  /** The folder that holds `folder` and its hidden sibling. */
  readonly parent: string;
  /** The last segment of `folder`. */
  readonly name: string;
  /** The hidden sibling that holds versions, staging, the journal and the lock. */
  readonly root: string;
  readonly versions: string;
  readonly staging: string;
  readonly journal: string;
  readonly lock: string;
}

/** Where the dataset is: its folder's path, or the folder holding it and its name. */
export type DatasetLocation =
  | { readonly path: string }
  | { readonly directory: string; readonly name: string };

function assertName(name: string): void {
  if (!NAME.test(name) || name.includes('..')) {
    throw new ValidationError(
      `dataset folder name ${JSON.stringify(name)} is not allowed: use letters, digits, '.', '_' and '-', starting with a letter, digit or underscore (at most 200)`,
    );
  }
}

/**
 * The layout of the dataset at `location`. Validates the folder name as a plain name
 * (letters, digits, `.`, `_`, `-`, not starting with a dot or a dash), so that it cannot
 * escape its parent; a `path` may not contain `..` segments either.
 */
export function datasetLayout(location: DatasetLocation): DatasetLayout {
  let folder: string;
  if ('path' in location && location.path !== undefined) {
    if ('name' in location || 'directory' in location) {
      throw new ValidationError('pass either path, or directory and name, not both');
    }
    const { path } = location;
    if (typeof path !== 'string' || path.trim() === '' || path.includes('\u0000')) {
      throw new ValidationError('the path option must be a non-empty string');
    }
    if (path.split(/[\\/]/).includes('..')) {
      throw new ValidationError(`path ${JSON.stringify(path)} must not contain '..' segments`);
    }
    folder = resolve(path);
    assertName(basename(folder));
  } else {
    const { directory, name } = location as { directory?: unknown; name?: unknown };
    if (typeof directory !== 'string' || directory.trim() === '') {
      throw new ValidationError('pass a path, or a directory and a name');
    }
    if (typeof name !== 'string') throw new ValidationError('the name option must be a string');
    assertName(name);
    folder = join(resolve(directory), name);
  }
  const name = basename(folder);
  const parent = dirname(folder);
  const root = join(parent, `.${name}.wharf`);
  return {
    folder,
    parent,
    name,
    root,
    versions: join(root, 'versions'),
    staging: join(root, 'staging'),
    journal: join(root, 'journal'),
    lock: join(root, 'lock'),
  };
}

/** The folder of version `version`. */
export function versionPath(layout: DatasetLayout, version: string): string {
  return join(layout.versions, version);
}

/** The symlink target of version `version`, relative to the parent (the pair can be moved). */
export function symlinkTarget(layout: DatasetLayout, version: string): string {
  return join(`.${layout.name}.wharf`, 'versions', version);
}

/** The staging folder of a run. */
export function stagingPath(layout: DatasetLayout, runId: string): string {
  return join(layout.staging, runId);
}

/** The journal file of a run. */
export function journalPath(layout: DatasetLayout, runId: string): string {
  return join(layout.journal, `${runId}.json`);
}

/** The name of version number `number`: 20 digits, so names sort in commit order. */
export function versionName(number: number): string {
  return String(number).padStart(SEQUENCE_DIGITS, '0');
}

/** The number of a version folder name, or `undefined` for anything else. */
export function versionNumber(name: string): number | undefined {
  return VERSION.test(name) ? Number(name) : undefined;
}

/** A sequence-numbered file name: `00000000000000000001.parquet`. */
export function sequenceFileName(number: number): string {
  return `${String(number).padStart(SEQUENCE_DIGITS, '0')}.parquet`;
}

/** The number of a sequence file name, or `undefined` for any other name. */
export function sequenceNumber(name: string): number | undefined {
  const match = SEQUENCE_FILE.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** A random file name: `<uuid>.parquet`. */
export function uuidFileName(): string {
  return `${randomUUID()}.parquet`;
}

/** A unique name for a temporary file or link next to `path`. */
export function temporaryPath(path: string): string {
  return `${path}.${randomUUID()}.tmp`;
}
