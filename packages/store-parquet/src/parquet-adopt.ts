/**
 * Adopting a folder another tool made: its Parquet files become the dataset's first version.
 * The folder gets a manifest, is renamed into the versions folder, and the production path
 * becomes the symlink. A plain folder cannot be replaced by a symlink atomically, so for a
 * moment between the rename and the link the path does not exist; a process that dies there
 * leaves an adopted version without a link, which the next `connect()` links.
 */
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSchema, ValidationError } from '@wharf/store-core';
import type { Schema } from 'apache-arrow';
import { listNames, syncDirectory } from './parquet-fs.js';
import {
  type DatasetLayout,
  MANIFEST_FILE,
  sequenceNumber,
  versionName,
  versionNumber,
  versionPath,
} from './parquet-layout.js';
import { type ManifestFile, readManifest, writeManifest } from './parquet-manifest.js';
import { readParquetInfo } from './parquet-reader.js';
import { folderState, highestVersion, switchTo } from './parquet-versions.js';

/** Moves the plain folder at the production path into a first version. Runs under the lock. */
export async function adoptFolder(layout: DatasetLayout): Promise<void> {
  if ((await folderState(layout)) !== 'directory') return; // adopted by another process meanwhile
  const entries = await readdir(layout.folder, { withFileTypes: true });
  const unexpected = entries.filter(
    (entry) => entry.name !== MANIFEST_FILE && !(entry.isFile() && entry.name.endsWith('.parquet')),
  );
  if (unexpected.length > 0) {
    throw new ValidationError(
      `${layout.folder} cannot be adopted: it holds more than Parquet files (${unexpected
        .slice(0, 5)
        .map((entry) => entry.name)
        .join(', ')}${unexpected.length > 5 ? ', …' : ''}); move those away first`,
    );
  }
  const files: ManifestFile[] = [];
  let schema: Schema | undefined;
  const names = entries
    .map((entry) => entry.name)
    .filter((name) => name.endsWith('.parquet'))
    .sort();
  for (const name of names) {
    const info = await readParquetInfo(join(layout.folder, name));
    if (schema !== undefined && !sameColumns(schema, info.schema)) {
      throw new ValidationError(
        `${layout.folder} cannot be adopted: ${name} has other columns or types than ${names[0]}`,
      );
    }
    schema ??= info.schema;
    files.push({ name, rows: info.rows, bytes: info.bytes });
  }
  const version = versionName((await highestVersion(layout)) + 1);
  await writeManifest(layout.folder, {
    format: 'wharf-parquet',
    formatVersion: 1,
    version,
    committedAt: new Date().toISOString(),
    files,
    rows: files.reduce((sum, file) => sum + file.rows, 0),
    publishedRuns: [],
    lastSequence: names.reduce((highest, name) => Math.max(highest, sequenceNumber(name) ?? 0), 0),
    ...(schema ? { schema: encodeSchema(schema) } : {}),
  });
  await mkdir(layout.versions, { recursive: true });
  await rename(layout.folder, versionPath(layout, version));
  await syncDirectory(layout.versions);
  await switchTo(layout, version);
}

/**
 * Links an adopted version whose adoption stopped between the rename and the link. Runs
 * under the lock, when the production path does not exist.
 */
export async function repairAdoption(layout: DatasetLayout): Promise<void> {
  if ((await folderState(layout)) !== 'absent') return;
  const versions = (await listNames(layout.versions))
    .filter((name) => versionNumber(name) !== undefined)
    .sort()
    .reverse();
  for (const name of versions) {
    let adopted: boolean;
    try {
      const manifest = await readManifest(versionPath(layout, name));
      adopted = manifest.runId === undefined;
    } catch {
      continue; // an unfinished version: not production
    }
    if (adopted) await switchTo(layout, name);
    return;
  }
}

function sameColumns(left: Schema, right: Schema): boolean {
  return (
    left.fields.length === right.fields.length &&
    left.fields.every(
      (field, index) =>
        field.name === right.fields[index]!.name &&
        String(field.type) === String(right.fields[index]!.type),
    )
  );
}
