/**
 * The manifest of a version: `_wharf_manifest.json` next to the Parquet files it lists. It is
 * what makes a publish idempotent (the run ids it remembers), what carries the dataset's Arrow
 * schema exactly, and what the sequence counter restarts from.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSchema, encodeSchema, IntegrityError, type RunType } from '@wharf/store-core';
import type { Schema } from 'apache-arrow';
import { replaceFileDurably } from './parquet-fs.js';
import { MANIFEST_FILE } from './parquet-layout.js';

/** How many published run ids a manifest remembers for exactly-once publishing. */
export const PUBLISHED_RUNS_KEPT = 1000;

/** One data file of a version. */
export interface ManifestFile {
  /** The file name inside the version folder. */
  readonly name: string;
  readonly rows: number;
  /** Size of the Parquet file in bytes. */
  readonly bytes: number;
}

/** The content of `_wharf_manifest.json`. */
export interface DatasetManifest {
  readonly format: 'wharf-parquet';
  readonly formatVersion: 1;
  /** The version folder's name (20 digits). */
  readonly version: string;
  readonly committedAt: string;
  /** The run that made this version; `undefined` for an adopted folder. */
  readonly runId?: string;
  readonly runType?: RunType;
  /** Every data file of the version, in commit order. */
  readonly files: readonly ManifestFile[];
  /** Rows over all files. */
  readonly rows: number;
  /** Run ids committed so far, oldest first, at most {@link PUBLISHED_RUNS_KEPT}. */
  readonly publishedRuns: readonly string[];
  /** The highest sequence number ever committed (0 when none): the sequence restarts after it. */
  readonly lastSequence: number;
  /** The dataset's Arrow schema as a base64 Arrow IPC stream with no rows; absent when empty. */
  readonly schema?: string;
}

/** The manifest of the version folder `directory`. */
export async function readManifest(directory: string): Promise<DatasetManifest> {
  const path = join(directory, MANIFEST_FILE);
  const text = await readFile(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new IntegrityError(`${path} is not valid JSON`, { cause: error });
  }
  const manifest = value as Partial<DatasetManifest>;
  if (
    manifest.format !== 'wharf-parquet' ||
    manifest.formatVersion !== 1 ||
    !Array.isArray(manifest.files) ||
    !Array.isArray(manifest.publishedRuns)
  ) {
    throw new IntegrityError(`${path} is not a wharf Parquet manifest (format version 1)`, {
      cause: new Error('unexpected manifest shape'),
    });
  }
  return manifest as DatasetManifest;
}

/** Writes the manifest into the version folder `directory`, flushed to disk. */
export async function writeManifest(directory: string, manifest: DatasetManifest): Promise<void> {
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await replaceFileDurably(join(directory, MANIFEST_FILE), bytes);
}

/** The manifest's Arrow schema, or `undefined` for an empty dataset. */
export function manifestSchema(manifest: DatasetManifest): Schema | undefined {
  return manifest.schema === undefined ? undefined : decodeSchema(manifest.schema);
}

/** The encoded form of a schema, for a manifest. */
export function schemaField(schema: Schema | undefined): { schema?: string } {
  return schema === undefined ? {} : { schema: encodeSchema(schema) };
}

/** `publishedRuns` after committing `runId`. */
export function withPublishedRun(manifest: DatasetManifest | undefined, runId: string): string[] {
  return [...(manifest?.publishedRuns ?? []), runId].slice(-PUBLISHED_RUNS_KEPT);
}
