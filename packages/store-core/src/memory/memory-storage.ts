/**
 * Where a memory store keeps its tables, staged parts and journal: in this process (the
 * default, shared by every store of the same database name), or in a directory so that
 * several processes share it. Both give the same atomic operations; the directory variant
 * takes a lock file per table and replaces snapshots by rename.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type RecordBatch, type Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { JournalEntry } from '../engine/journal.js';
import { ConflictError, ConnectionError, StoreError } from '../errors.js';
import { decodeState, emptyState, encodeState, type TableState } from './memory-state.js';

/** The operations a memory store needs from its storage. */
export interface MemoryStorage {
  /**
   * Runs `action` with exclusive access to `table`'s production state. When the action returns
   * a new `state`, it replaces production atomically.
   */
  update<T>(table: string, action: StateAction<T>): Promise<T>;
  /** The current production state of `table` (a consistent snapshot). */
  read(table: string): Promise<TableState>;
  putPart(
    table: string,
    runId: string,
    index: number,
    schema: Schema,
    batches: readonly RecordBatch[],
  ): Promise<string>;
  readPart(table: string, ref: string): Promise<RecordBatch[]>;
  stagingRuns(table: string): Promise<string[]>;
  dropStaging(table: string, runId: string): Promise<void>;
  readJournal(table: string): Promise<JournalEntry[]>;
  writeJournal(table: string, entry: JournalEntry): Promise<void>;
  removeJournal(table: string, runId: string): Promise<void>;
  /** Staged parts plus journal entries of `table`: the no-leak probe. */
  countStaging(table: string): Promise<number>;
}

/** An atomic change of one table: returns the new state (or none to keep it) and a result. */
export type StateAction<T> = (state: TableState) => { state?: TableState; result: T };

interface ProcessTable {
  state: TableState;
  staging: Map<string, Map<number, RecordBatch[]>>;
  journal: Map<string, JournalEntry>;
}

const DATABASES_KEY = Symbol.for('wharf.memory.databases');
const globals = globalThis as unknown as Record<
  symbol,
  Map<string, Map<string, ProcessTable>> | undefined
>;

/** Storage in this process's memory, shared by every store that names the same database. */
export class ProcessStorage implements MemoryStorage {
  readonly #tables: Map<string, ProcessTable>;

  constructor(database: string) {
    const databases = globals[DATABASES_KEY] ?? new Map<string, Map<string, ProcessTable>>();
    globals[DATABASES_KEY] = databases;
    let tables = databases.get(database);
    if (!tables) {
      tables = new Map();
      databases.set(database, tables);
    }
    this.#tables = tables;
  }

  #table(name: string): ProcessTable {
    let table = this.#tables.get(name);
    if (!table) {
      table = { state: emptyState(), staging: new Map(), journal: new Map() };
      this.#tables.set(name, table);
    }
    return table;
  }

  async update<T>(table: string, action: StateAction<T>): Promise<T> {
    const entry = this.#table(table);
    const outcome = action(entry.state);
    if (outcome.state) entry.state = outcome.state;
    return outcome.result;
  }

  async read(table: string): Promise<TableState> {
    return this.#table(table).state;
  }

  async putPart(
    table: string,
    runId: string,
    index: number,
    _schema: Schema,
    batches: readonly RecordBatch[],
  ): Promise<string> {
    const staging = this.#table(table).staging;
    let run = staging.get(runId);
    if (!run) {
      run = new Map();
      staging.set(runId, run);
    }
    run.set(index, [...batches]);
    return `${runId}/${index}`;
  }

  async readPart(table: string, ref: string): Promise<RecordBatch[]> {
    const [runId, index] = ref.split('/');
    const part = this.#table(table).staging.get(runId!)?.get(Number(index));
    if (!part) throw new ConflictError(`staged part ${ref} of ${table} is gone`);
    return part;
  }

  async stagingRuns(table: string): Promise<string[]> {
    return [...this.#table(table).staging.keys()];
  }

  async dropStaging(table: string, runId: string): Promise<void> {
    this.#table(table).staging.delete(runId);
  }

  async readJournal(table: string): Promise<JournalEntry[]> {
    return [...this.#table(table).journal.values()];
  }

  async writeJournal(table: string, entry: JournalEntry): Promise<void> {
    this.#table(table).journal.set(entry.runId, structuredClone(entry));
  }

  async removeJournal(table: string, runId: string): Promise<void> {
    this.#table(table).journal.delete(runId);
  }

  async countStaging(table: string): Promise<number> {
    const entry = this.#table(table);
    let parts = 0;
    for (const run of entry.staging.values()) parts += Math.max(1, run.size);
    return parts + entry.journal.size;
  }
}

const LOCK_TIMEOUT_MS = 30_000;

/** Storage in a directory, shared by every process that opens the same one. */
export class DirectoryStorage implements MemoryStorage {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  #path(table: string, ...parts: string[]): string {
    return join(this.#root, table, ...parts);
  }

  async update<T>(table: string, action: StateAction<T>): Promise<T> {
    return this.#withLock(table, async () => {
      const state = await this.#readState(table);
      const outcome = action(state);
      if (!outcome.state) return outcome.result;
      const target = this.#path(table, 'production.bin');
      const temporary = `${target}.${randomUUID()}.tmp`;
      await writeDurably(temporary, encodeState(outcome.state));
      await rename(temporary, target);
      return outcome.result;
    });
  }

  async read(table: string): Promise<TableState> {
    return this.#readState(table);
  }

  async #readState(table: string): Promise<TableState> {
    const path = this.#path(table, 'production.bin');
    try {
      return decodeState(await readFile(path), path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw wrapFsError(error, `reading ${table}`);
    }
  }

  async putPart(
    table: string,
    runId: string,
    index: number,
    schema: Schema,
    batches: readonly RecordBatch[],
  ): Promise<string> {
    const directory = this.#path(table, 'staging', runId);
    await mkdir(directory, { recursive: true });
    const file = join(directory, `${index}.arrow`);
    await writeDurably(file, Buffer.from(tableToIPC(new Table(schema, [...batches]), 'stream')));
    return `${runId}/${index}`;
  }

  async readPart(table: string, ref: string): Promise<RecordBatch[]> {
    const [runId, index] = ref.split('/');
    try {
      return tableFromIPC(await readFile(this.#path(table, 'staging', runId!, `${index}.arrow`)))
        .batches;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ConflictError(`staged part ${ref} of ${table} is gone`, { cause: error });
      }
      throw wrapFsError(error, `reading staged part ${ref}`);
    }
  }

  async stagingRuns(table: string): Promise<string[]> {
    return listDirectory(this.#path(table, 'staging'));
  }

  async dropStaging(table: string, runId: string): Promise<void> {
    await rm(this.#path(table, 'staging', runId), { recursive: true, force: true });
  }

  async readJournal(table: string): Promise<JournalEntry[]> {
    const entries: JournalEntry[] = [];
    for (const file of await listDirectory(this.#path(table, 'journal'))) {
      if (!file.endsWith('.json')) continue;
      try {
        entries.push(
          JSON.parse(await readFile(this.#path(table, 'journal', file), 'utf8')) as JournalEntry,
        );
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          throw wrapFsError(error, 'reading the journal');
      }
    }
    return entries;
  }

  async writeJournal(table: string, entry: JournalEntry): Promise<void> {
    const directory = this.#path(table, 'journal');
    await mkdir(directory, { recursive: true });
    const file = join(directory, `${entry.runId}.json`);
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeDurably(temporary, Buffer.from(JSON.stringify(entry)));
    await rename(temporary, file);
  }

  async removeJournal(table: string, runId: string): Promise<void> {
    await rm(this.#path(table, 'journal', `${runId}.json`), { force: true });
  }

  async countStaging(table: string): Promise<number> {
    let count = 0;
    for (const runId of await this.stagingRuns(table)) {
      count += Math.max(1, (await listDirectory(this.#path(table, 'staging', runId))).length);
    }
    const journal = await listDirectory(this.#path(table, 'journal'));
    return count + journal.length;
  }

  /** A lock directory per table (mkdir is atomic); a lock whose owner process died is broken. */
  async #withLock<T>(table: string, action: () => Promise<T>): Promise<T> {
    await mkdir(this.#path(table), { recursive: true });
    const lock = this.#path(table, '.lock');
    const deadline = Date.now() + LOCK_TIMEOUT_MS;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await mkdir(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
          throw wrapFsError(error, `locking ${table}`);
        if (await breakStaleLock(lock)) continue;
        if (Date.now() > deadline) {
          throw new ConflictError(
            `${table} stayed locked by another writer for ${LOCK_TIMEOUT_MS} ms`,
            { retryable: true },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(20, 1 + attempt)));
      }
    }
    try {
      await writeFile(join(lock, 'owner'), `${hostname()} ${process.pid}`);
      return await action();
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

async function breakStaleLock(lock: string): Promise<boolean> {
  let owner: string;
  try {
    owner = await readFile(join(lock, 'owner'), 'utf8');
  } catch {
    return false; // being created right now, or already released
  }
  const [host, pid] = owner.split(' ');
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPERM') return false;
    await rm(lock, { recursive: true, force: true });
    return true;
  }
}

async function listDirectory(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).filter((name) => !name.endsWith('.tmp'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw wrapFsError(error, `listing ${path}`);
  }
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function wrapFsError(error: unknown, what: string): StoreError {
  if (StoreError.isInstance(error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  return new ConnectionError(`memory store: ${what} failed (${code ?? 'error'})`, { cause: error });
}
