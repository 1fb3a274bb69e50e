/**
 * Commit records: the small JSON objects under `_wharf/commits/` that say which data files
 * are the dataset. Each is created once, with a conditional create, under the next version
 * number; the record with the highest number is the current one. FORMAT.md describes them for
 * other readers.
 */
import { IntegrityError, type RunType } from '@wharf/store-core';
import type { ObjectLayout } from './object-settings.js';
import type { ObjectStorage } from './object-storage.js';

/** Where the store keeps its own objects, relative to the dataset's prefix. */
export const WHARF_PREFIX = '_wharf/';
/** Commit records: `_wharf/commits/<20-digit version>.json`. */
export const COMMITS_PREFIX = `${WHARF_PREFIX}commits/`;
/** Run journal entries: `_wharf/journal/<run id>.json`. */
export const JOURNAL_PREFIX = `${WHARF_PREFIX}journal/`;
/** One empty marker per run with staged data: `_wharf/runs/<run id>`. */
export const RUNS_PREFIX = `${WHARF_PREFIX}runs/`;
/** Staged files of the folder layout: `_wharf/staging/<run id>/<uuid>.parquet`. */
export const STAGING_PREFIX = `${WHARF_PREFIX}staging/`;
/** Data files of the commits layout: `data/<run id>/<uuid>.parquet`. */
export const DATA_PREFIX = 'data/';

/** Digits of a version number in a commit record's key. */
const VERSION_DIGITS = 20;
const RECORD_NAME = /^(\d{20})\.json$/;
const APPLIED_NAME = /^(\d{20})\.applied$/;

/** How many published run ids a record remembers for exactly-once publishing. */
export const PUBLISHED_RUNS_KEPT = 1000;

/** One data file of a commit. */
export interface CommitFile {
  /** The object's key relative to the dataset's prefix. */
  readonly key: string;
  readonly rows: number;
  /** Size of the Parquet object in bytes. */
  readonly bytes: number;
}

/** A staged file moved into the production prefix by a folder-layout commit. */
export interface FolderMove {
  readonly from: string;
  readonly to: string;
}

/** The content of a commit record. */
export interface CommitRecord {
  readonly format: 'wharf-parquet-objects';
  readonly formatVersion: 1;
  readonly layout: ObjectLayout;
  /** This record's number: 1 for the first commit, then consecutive. */
  readonly version: number;
  /** A random id of this record. */
  readonly id: string;
  /** The id of the record this one was built on; `null` for the first. */
  readonly parentId: string | null;
  readonly committedAt: string;
  readonly runId: string;
  readonly runType: RunType;
  /** Every data file of the dataset after this commit, in commit order. */
  readonly files: readonly CommitFile[];
  /** Rows over all files. */
  readonly rows: number;
  /** Run ids committed so far, oldest first, at most {@link PUBLISHED_RUNS_KEPT}. */
  readonly publishedRuns: readonly string[];
  /** The dataset's Arrow schema as a base64 Arrow IPC stream with no rows; absent when empty. */
  readonly schema?: string;
  /** Folder layout: the staged files to move into the production prefix. */
  readonly moves?: readonly FolderMove[];
  /** Folder layout: the production files to delete (a `full_drop`'s replaced files). */
  readonly removes?: readonly string[];
}

/** The key of the commit record of `version`. */
export function recordKey(version: number): string {
  return `${COMMITS_PREFIX}${String(version).padStart(VERSION_DIGITS, '0')}.json`;
}

/** The key of the marker saying a folder-layout record's moves are all done. */
export function appliedKey(version: number): string {
  return `${COMMITS_PREFIX}${String(version).padStart(VERSION_DIGITS, '0')}.applied`;
}

/** What `_wharf/commits/` holds: record numbers (ascending) and applied markers. */
export interface CommitListing {
  readonly versions: readonly number[];
  readonly applied: ReadonlySet<number>;
}

export async function listCommits(storage: ObjectStorage): Promise<CommitListing> {
  const versions: number[] = [];
  const applied = new Set<number>();
  for await (const entry of storage.list(COMMITS_PREFIX)) {
    const name = entry.key.slice(COMMITS_PREFIX.length);
    const record = RECORD_NAME.exec(name);
    if (record) versions.push(Number(record[1]));
    const marker = APPLIED_NAME.exec(name);
    if (marker) applied.add(Number(marker[1]));
  }
  versions.sort((left, right) => left - right);
  return { versions, applied };
}

/**
 * Reads commit records, remembering each: a record never changes once created, so a version
 * is fetched at most once per store.
 */
export class CommitReader {
  readonly #storage: ObjectStorage;
  readonly #records = new Map<number, CommitRecord>();

  constructor(storage: ObjectStorage) {
    this.#storage = storage;
  }

  /** The record of `version`, or `undefined` when it no longer exists (pruned). */
  async read(version: number): Promise<CommitRecord | undefined> {
    const known = this.#records.get(version);
    if (known) return known;
    const bytes = await this.#storage.get(recordKey(version));
    if (bytes === undefined) return undefined;
    const record = parseRecord(bytes, recordKey(version), this.#storage.url);
    this.#records.set(version, record);
    return record;
  }

  /** The current record (the highest version) and the listing it came from. */
  async current(): Promise<{ record: CommitRecord | undefined; listing: CommitListing }> {
    for (let attempt = 0; ; attempt += 1) {
      const listing = await listCommits(this.#storage);
      const highest = listing.versions.at(-1);
      if (highest === undefined) return { record: undefined, listing };
      const record = await this.read(highest);
      if (record) return { record, listing };
      // Pruned between the listing and the read: a newer record exists; list again.
      if (attempt >= 5) {
        throw new IntegrityError(
          `${this.#storage.url}: commit record ${highest} vanished while being read, five times`,
        );
      }
    }
  }

  /** Remembers a record this store created, so that it is never fetched back. */
  remember(record: CommitRecord): void {
    this.#records.set(record.version, record);
  }

  /** Forgets a record (after pruning it). */
  forget(version: number): void {
    this.#records.delete(version);
  }
}

function parseRecord(bytes: Uint8Array, key: string, url: string): CommitRecord {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new IntegrityError(`${url}: ${key} is not valid JSON`, { cause: error });
  }
  const record = value as Partial<CommitRecord>;
  if (
    record.format !== 'wharf-parquet-objects' ||
    record.formatVersion !== 1 ||
    typeof record.version !== 'number' ||
    !Array.isArray(record.files) ||
    !Array.isArray(record.publishedRuns)
  ) {
    throw new IntegrityError(`${url}: ${key} is not a wharf commit record (format version 1)`, {
      cause: new Error('unexpected commit record shape'),
    });
  }
  return record as CommitRecord;
}

/** The bytes of a record as stored. */
export function encodeRecord(record: CommitRecord): Uint8Array {
  return Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
}

/** `publishedRuns` after committing `runId`. */
export function withPublishedRun(record: CommitRecord | undefined, runId: string): string[] {
  return [...(record?.publishedRuns ?? []), runId].slice(-PUBLISHED_RUNS_KEPT);
}
