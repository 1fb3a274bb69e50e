/**
 * The hierarchical namespace behind the ADLS Gen2 test server: filesystems holding files and
 * directories, with the DFS write protocol (create, append at a position, flush to commit),
 * atomic renames of whole subtrees, recursive deletes and paged listings. Reads through the
 * Blob endpoint see only flushed data.
 *
 * Every operation runs synchronously between two requests, so a rename or a recursive delete
 * is one step to every other client.
 */
import { type Conditions, checkConditions, type Versioned } from './adls-conditions.js';
import {
  directoryNotEmpty,
  fileSystemNotFound,
  invalidFlushPosition,
  invalidRenameSourcePath,
  invalidSourceOrDestinationType,
  pathAlreadyExists,
  pathConflict,
  pathNotFound,
  renameDestinationParentNotFound,
  resourceTypeMismatch,
  sourcePathNotFound,
} from './adls-errors.js';

/** HTTP content headers stored with a file. */
export interface ContentSettings {
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  /** Base64 MD5 the client supplied; the service does not compute one for DFS writes. */
  contentMd5?: string;
}

/** A file or directory. */
export interface PathEntry extends Versioned {
  /** The full path inside its filesystem, without leading or trailing slashes. */
  name: string;
  isDirectory: boolean;
  /** The flushed (committed) bytes: what readers see. */
  data: Buffer;
  /** Appended, not yet flushed bytes, by the position they were appended at. */
  pending: Map<number, Buffer>;
  created: Date;
  content: ContentSettings;
  metadata: Record<string, string>;
}

/** A filesystem (a Blob container). */
export interface FileSystem extends Versioned {
  name: string;
  created: Date;
  metadata: Record<string, string>;
  paths: Map<string, PathEntry>;
}

/** Every filesystem of the account. */
export type FileSystems = Map<string, FileSystem>;

let etagCounter = 0;

/** A fresh ETag in Azure's form (`0x8D…`), unique within the process. */
export function newEtag(): string {
  etagCounter += 1;
  const stamp = BigInt(Date.now()) * 10_000n + BigInt(etagCounter % 10_000);
  return `0x8D${stamp.toString(16).toUpperCase().padStart(14, '0')}`;
}

/** Gives `target` a new ETag and modification time. */
export function touch(target: Versioned): void {
  target.etag = newEtag();
  target.lastModified = new Date();
}

/** The filesystem named `name`; throws `FilesystemNotFound` / `ContainerNotFound`. */
export function requireFileSystem(fileSystems: FileSystems, name: string): FileSystem {
  const fileSystem = fileSystems.get(name);
  if (fileSystem === undefined) throw fileSystemNotFound();
  return fileSystem;
}

/** The directory holding `name`; `''` is the filesystem root. */
export function parentOf(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash === -1 ? '' : name.slice(0, slash);
}

function isInside(name: string, directory: string): boolean {
  return directory === '' || name.startsWith(`${directory}/`);
}

function newEntry(name: string, isDirectory: boolean): PathEntry {
  const now = new Date();
  return {
    name,
    isDirectory,
    data: Buffer.alloc(0),
    pending: new Map(),
    created: now,
    lastModified: now,
    etag: newEtag(),
    content: {},
    metadata: isDirectory ? { hdi_isfolder: 'true' } : {},
  };
}

/** Creates the missing ancestors of `name` as directories, as a hierarchical namespace does. */
function ensureParents(fileSystem: FileSystem, name: string): void {
  const parts = name.split('/');
  for (let depth = 1; depth < parts.length; depth++) {
    const ancestor = parts.slice(0, depth).join('/');
    const existing = fileSystem.paths.get(ancestor);
    if (existing === undefined) fileSystem.paths.set(ancestor, newEntry(ancestor, true));
    else if (!existing.isDirectory) throw pathConflict();
  }
}

function hasChildren(fileSystem: FileSystem, directory: string): boolean {
  for (const name of fileSystem.paths.keys()) if (isInside(name, directory)) return true;
  return false;
}

/** The file or directory at `name`; throws `PathNotFound` / `BlobNotFound`. */
export function requirePath(fileSystem: FileSystem, name: string): PathEntry {
  const entry = fileSystem.paths.get(name);
  if (entry === undefined) throw pathNotFound();
  return entry;
}

function requireFile(fileSystem: FileSystem, name: string): PathEntry {
  const entry = requirePath(fileSystem, name);
  if (entry.isDirectory) throw resourceTypeMismatch();
  return entry;
}

/** What a create or write sets on the new path. */
export interface WriteOptions {
  conditions: Conditions;
  content?: ContentSettings;
  metadata?: Record<string, string>;
}

/**
 * Path - Create (`PUT ?resource=file|directory`). A file replaces an existing file (empty
 * again); a directory leaves an existing directory's children alone. `If-None-Match: *`
 * makes it create-only (409 `PathAlreadyExists`).
 */
export function createPath(
  fileSystem: FileSystem,
  name: string,
  isDirectory: boolean,
  options: WriteOptions,
): PathEntry {
  const existing = fileSystem.paths.get(name);
  checkConditions(options.conditions, existing, 'write');
  if (existing !== undefined && existing.isDirectory !== isDirectory) throw pathConflict();
  ensureParents(fileSystem, name);
  const entry = newEntry(name, isDirectory);
  if (existing?.isDirectory) entry.created = existing.created;
  entry.content = { ...options.content };
  entry.metadata = { ...entry.metadata, ...options.metadata };
  fileSystem.paths.set(name, entry);
  return entry;
}

/**
 * Path - Update `action=append`: stages `data` at `position`. Appends may arrive in any
 * order (the client libraries upload in parallel), but never below the flushed length.
 */
export function appendData(
  fileSystem: FileSystem,
  name: string,
  position: number,
  data: Buffer,
): void {
  const entry = requireFile(fileSystem, name);
  if (position < entry.data.length) throw invalidFlushPosition();
  if (data.length > 0) entry.pending.set(position, data);
}

/** What a flush sets besides the data. */
export interface FlushOptions {
  conditions: Conditions;
  retainUncommittedData: boolean;
  content?: ContentSettings;
}

/**
 * Path - Update `action=flush`: commits the staged bytes up to `position`, which must equal
 * the file's length afterwards, with no gap in between (400 `InvalidFlushPosition`).
 */
export function flushData(
  fileSystem: FileSystem,
  name: string,
  position: number,
  options: FlushOptions,
): PathEntry {
  const entry = requireFile(fileSystem, name);
  checkConditions(options.conditions, entry, 'write');
  if (position < entry.data.length) throw invalidFlushPosition();
  const pieces: Buffer[] = [entry.data];
  let cursor = entry.data.length;
  const staged = [...entry.pending.entries()].sort(([a], [b]) => a - b);
  for (const [start, bytes] of staged) {
    if (cursor >= position) break;
    if (start > cursor) break;
    const end = Math.min(start + bytes.length, position);
    if (end > cursor) {
      pieces.push(bytes.subarray(cursor - start, end - start));
      cursor = end;
    }
  }
  if (cursor !== position) throw invalidFlushPosition();
  entry.data = Buffer.concat(pieces);
  if (options.retainUncommittedData) {
    for (const start of entry.pending.keys()) if (start < position) entry.pending.delete(start);
  } else {
    entry.pending.clear();
  }
  if (options.content !== undefined) entry.content = { ...entry.content, ...options.content };
  touch(entry);
  return entry;
}

/**
 * Put Blob on the Blob endpoint: writes a whole file in one request (creating its parent
 * directories), visible at once.
 */
export function writeBlob(
  fileSystem: FileSystem,
  name: string,
  data: Buffer,
  options: WriteOptions,
): PathEntry {
  const existing = fileSystem.paths.get(name);
  if (existing?.isDirectory) throw pathConflict();
  const entry = createPath(fileSystem, name, false, options);
  entry.data = data;
  return entry;
}

/** Where a rename moves from or to. */
export interface PathLocation {
  fileSystem: FileSystem;
  name: string;
}

/** The conditions of a rename, on its source and on its destination. */
export interface RenameOptions {
  conditions: Conditions;
  sourceConditions: Conditions;
}

/**
 * Path - Create with `x-ms-rename-source`: moves a file, or a directory with everything
 * below it, in one step. The destination's parent directory must exist. An existing
 * destination file is replaced (unless the conditions forbid it); an existing destination
 * directory is refused with 409 `PathAlreadyExists`.
 */
export function renamePath(
  source: PathLocation,
  destination: PathLocation,
  options: RenameOptions,
): PathEntry {
  if (source.name === '') throw invalidRenameSourcePath();
  const moving = source.fileSystem.paths.get(source.name);
  if (moving === undefined) throw sourcePathNotFound();
  checkConditions(options.sourceConditions, moving, 'write', true);
  const sameFileSystem = source.fileSystem === destination.fileSystem;
  if (sameFileSystem && source.name === destination.name) return moving;
  if (sameFileSystem && moving.isDirectory && isInside(destination.name, source.name)) {
    throw invalidRenameSourcePath();
  }
  const parent = parentOf(destination.name);
  if (parent !== '' && destination.fileSystem.paths.get(parent)?.isDirectory !== true) {
    throw renameDestinationParentNotFound();
  }
  const existing = destination.fileSystem.paths.get(destination.name);
  checkConditions(options.conditions, existing, 'write');
  if (existing !== undefined) {
    if (existing.isDirectory !== moving.isDirectory) throw invalidSourceOrDestinationType();
    if (existing.isDirectory) throw pathAlreadyExists();
  }

  const moved: Array<[string, PathEntry]> = [];
  for (const [name, entry] of source.fileSystem.paths) {
    if (name === source.name || (moving.isDirectory && isInside(name, source.name))) {
      moved.push([name, entry]);
    }
  }
  for (const [name] of moved) source.fileSystem.paths.delete(name);
  for (const [name, entry] of moved) {
    entry.name = destination.name + name.slice(source.name.length);
    destination.fileSystem.paths.set(entry.name, entry);
  }
  return moving;
}

/**
 * Path - Delete: removes a file, an empty directory, or (with `recursive`) a directory and
 * everything below it.
 */
export function deletePath(
  fileSystem: FileSystem,
  name: string,
  recursive: boolean,
  conditions: Conditions,
): void {
  const entry = requirePath(fileSystem, name);
  checkConditions(conditions, entry, 'write');
  if (entry.isDirectory && hasChildren(fileSystem, name)) {
    if (!recursive) throw directoryNotEmpty();
    for (const candidate of [...fileSystem.paths.keys()]) {
      if (isInside(candidate, name)) fileSystem.paths.delete(candidate);
    }
  }
  fileSystem.paths.delete(name);
}

/** What to list. */
export interface ListOptions {
  /** The directory to list; `''` for the filesystem root. */
  directory: string;
  recursive: boolean;
  maxResults: number;
  /** The token a previous page returned. */
  continuation: string | undefined;
}

/** One page of a listing. */
export interface PathPage {
  entries: PathEntry[];
  /** Present when more entries follow; pass it back as `continuation`. */
  continuation: string | undefined;
}

/** Path - List: the entries below `directory`, in name order, one page at a time. */
export function listPaths(fileSystem: FileSystem, options: ListOptions): PathPage {
  if (options.directory !== '' && fileSystem.paths.get(options.directory)?.isDirectory !== true) {
    throw pathNotFound();
  }
  const after =
    options.continuation === undefined
      ? undefined
      : Buffer.from(options.continuation, 'base64url').toString('utf8');
  const matching = [...fileSystem.paths.values()]
    .filter(
      (entry) =>
        isInside(entry.name, options.directory) &&
        (options.recursive || parentOf(entry.name) === options.directory) &&
        (after === undefined || entry.name > after),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const entries = matching.slice(0, options.maxResults);
  const last = entries.at(-1);
  return {
    entries,
    continuation:
      matching.length > options.maxResults && last !== undefined
        ? Buffer.from(last.name).toString('base64url')
        : undefined,
  };
}
