/**
 * Reading a Parquet dataset in object storage the way another reader would, from FORMAT.md
 * alone: the commit record with the highest number under `_wharf/commits/` lists the data
 * files (`layout: 'commits'`), or the `*.parquet` objects directly under the prefix are the
 * dataset (`layout: 'folder'`). Objects come through the caller's raw SDK calls, never through
 * the store; each file is downloaded to a temporary file and read by DuckDB.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InspectedRow, inspectFile } from './parquet-files.js';

/** Raw access to the dataset's prefix: keys are relative to it. */
export interface ObjectReader {
  /** Every key under `prefix` (recursively). */
  list(prefix: string): Promise<string[]>;
  /** The object's bytes, or `undefined` when absent. */
  get(key: string): Promise<Uint8Array | undefined>;
}

interface RecordShape {
  readonly files: ReadonlyArray<{ readonly key: string }>;
}

const RECORD = /^_wharf\/commits\/(\d{20})\.json$/;

/** The keys of every commit record, lowest version first. */
async function recordKeys(reader: ObjectReader): Promise<string[]> {
  return (await reader.list('_wharf/commits/')).filter((key) => RECORD.test(key)).sort();
}

async function readRecord(reader: ObjectReader, key: string): Promise<RecordShape | undefined> {
  const bytes = await reader.get(key);
  return bytes === undefined
    ? undefined
    : (JSON.parse(Buffer.from(bytes).toString('utf8')) as RecordShape);
}

/** The data files a reader of the dataset sees now, per FORMAT.md. */
export async function committedKeys(
  reader: ObjectReader,
  layout: 'commits' | 'folder',
): Promise<string[]> {
  if (layout === 'folder') {
    return (await reader.list(''))
      .filter((key) => !key.includes('/') && key.endsWith('.parquet'))
      .sort();
  }
  const current = (await recordKeys(reader)).at(-1);
  if (current === undefined) return [];
  const record = await readRecord(reader, current);
  return record === undefined ? [] : record.files.map((file) => file.key);
}

/** Every committed row of the dataset, file by file. */
export async function inspectObjectDataset(
  reader: ObjectReader,
  layout: 'commits' | 'folder',
): Promise<InspectedRow[]> {
  const keys = await committedKeys(reader, layout);
  if (keys.length === 0) return [];
  const directory = await mkdtemp(join(tmpdir(), 'wharf-inspect-'));
  try {
    const rows: InspectedRow[] = [];
    for (const key of keys) {
      const bytes = await reader.get(key);
      if (bytes === undefined) throw new Error(`committed file ${key} does not exist`);
      const path = join(directory, `${randomUUID()}.parquet`);
      await writeFile(path, bytes);
      for (const row of await inspectFile(path)) rows.push(row);
    }
    return rows;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Staging artefacts left in the dataset's prefix: journal entries, run markers, staged files
 * of the folder layout, and data files that no commit record references.
 */
export async function countObjectStaging(reader: ObjectReader): Promise<number> {
  const keys = await reader.list('');
  const referenced = new Set<string>();
  for (const key of await recordKeys(reader)) {
    for (const file of (await readRecord(reader, key))?.files ?? []) referenced.add(file.key);
  }
  return keys.filter(
    (key) =>
      key.startsWith('_wharf/journal/') ||
      key.startsWith('_wharf/runs/') ||
      key.startsWith('_wharf/staging/') ||
      (key.startsWith('data/') && !referenced.has(key)),
  ).length;
}
