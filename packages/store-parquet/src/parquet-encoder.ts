/**
 * The encoder: Arrow record batches in, Parquet file bytes out, asynchronously. With
 * `threads > 0` the work runs on a pool of worker threads shared by every store of the
 * process (each with its own parquet-wasm instance), so several files encode at once and the
 * event loop stays free; with `threads: 0` it runs on the calling thread. Idle workers do not
 * keep the process alive and exit after a while, returning their WebAssembly memory.
 */

import { Worker } from 'node:worker_threads';
import { type RecordBatch, type Schema, Table, tableToIPC } from 'apache-arrow';
import {
  codecTrap,
  type EncodeSettings,
  encodeIpcStream,
  type ParquetWasmModule,
} from './parquet-codec.js';
import type { EncodeRequest, EncodeResponse } from './parquet-encoder-protocol.js';

/** Encodes Arrow batches as Parquet files. */
export interface ParquetEncoder {
  /** The bytes of one Parquet file holding `batches` (all of `schema`). */
  encode(
    schema: Schema,
    batches: readonly RecordBatch[],
    settings: EncodeSettings,
  ): Promise<Uint8Array>;
  /** How many files it can encode at once. */
  readonly parallelism: number;
  /** Starts the workers (loading parquet-wasm takes a moment) before the first encode. */
  warm(): void;
}

/** An encoder running on `threads` worker threads, or on the calling thread for 0. */
export function parquetEncoder(threads: number): ParquetEncoder {
  if (threads <= 0) return inlineEncoder;
  const pool = sharedPool(threads);
  return {
    parallelism: threads,
    encode: (schema, batches, settings) => pool.run(toIpc(schema, batches), settings),
    warm: () => pool.warm(),
  };
}

function toIpc(schema: Schema, batches: readonly RecordBatch[]): Uint8Array {
  return tableToIPC(new Table(schema, [...batches]), 'stream');
}

let loadedWasm: Promise<ParquetWasmModule> | undefined;

/** parquet-wasm, loaded on first use (instantiating it compiles a 5 MB WebAssembly module). */
export function loadParquetWasm(): Promise<ParquetWasmModule> {
  loadedWasm ??= import('parquet-wasm/node').then((module) => {
    // Loaded from ESM, a CommonJS module's exports may sit on `default` only.
    const loaded = module as unknown as ParquetWasmModule & { default?: ParquetWasmModule };
    return loaded.writeParquet === undefined && loaded.default ? loaded.default : loaded;
  });
  return loadedWasm;
}

const inlineEncoder: ParquetEncoder = {
  parallelism: 1,
  warm() {
    void loadParquetWasm().catch(() => {
      // Reported by the first encode.
    });
  },
  async encode(schema, batches, settings) {
    const wasm = await loadParquetWasm();
    return encodeIpcStream(wasm, toIpc(schema, batches), settings);
  },
};

/** How long an idle worker lives before it exits and frees its memory. */
const IDLE_EXIT_MS = 15_000;

interface Job {
  readonly request: EncodeRequest;
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

interface PoolWorker {
  readonly worker: Worker;
  job: Job | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

/** A fixed-size set of encoder workers with a queue. */
class EncoderPool {
  #size: number;
  readonly #workers = new Set<PoolWorker>();
  readonly #queue: Job[] = [];
  #nextId = 1;

  constructor(size: number) {
    this.#size = size;
  }

  /** Grows the pool to at least `size` workers. */
  grow(size: number): void {
    this.#size = Math.max(this.#size, size);
  }

  /** Starts workers up to the pool's size, idle until work arrives. */
  warm(): void {
    while (this.#workers.size < this.#size) this.#idle(this.#start());
  }

  run(ipc: Uint8Array, settings: EncodeSettings): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#queue.push({ request: { id: this.#nextId++, ipc, settings }, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let idle = [...this.#workers].find((candidate) => candidate.job === undefined);
      if (!idle && this.#workers.size < this.#size) idle = this.#start();
      if (!idle) return;
      const job = this.#queue.shift()!;
      idle.job = job;
      if (idle.idleTimer) clearTimeout(idle.idleTimer);
      idle.idleTimer = undefined;
      idle.worker.ref();
      const buffer = job.request.ipc.buffer as ArrayBuffer;
      idle.worker.postMessage(job.request, [buffer]);
    }
  }

  #start(): PoolWorker {
    const worker = new Worker(new URL('./parquet-encode-worker.js', import.meta.url));
    const entry: PoolWorker = { worker, job: undefined, idleTimer: undefined };
    this.#workers.add(entry);
    worker.on('message', (response: EncodeResponse) => {
      const job = entry.job;
      entry.job = undefined;
      if (job && job.request.id === response.id) {
        if (response.ok) job.resolve(response.bytes);
        else job.reject(workerError(response.error));
      }
      // A worker whose WebAssembly instance trapped exits by itself: take no more work to it.
      if (!response.ok && response.error.trapped) this.#workers.delete(entry);
      else this.#idle(entry);
      this.#dispatch();
    });
    worker.on('error', (error) => this.#lose(entry, error));
    worker.on('exit', (code) =>
      this.#lose(entry, new Error(`encoder worker exited (code ${code})`)),
    );
    return entry;
  }

  #idle(entry: PoolWorker): void {
    entry.worker.unref();
    entry.idleTimer = setTimeout(() => {
      if (entry.job !== undefined) return;
      this.#workers.delete(entry);
      void entry.worker.terminate();
    }, IDLE_EXIT_MS);
    entry.idleTimer.unref();
  }

  #lose(entry: PoolWorker, error: Error): void {
    if (!this.#workers.delete(entry)) return;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    const job = entry.job;
    entry.job = undefined;
    if (job) {
      job.reject(codecTrap(`the Parquet encoder stopped: ${error.message}`, error));
    }
    this.#dispatch();
  }
}

/** The error a worker reported, as the class the error mapping recognizes. */
function workerError(reported: { name: string; message: string; trapped: boolean }): Error {
  if (reported.trapped) return codecTrap(reported.message);
  const error = new Error(reported.message);
  error.name = reported.name;
  return error;
}

let pool: EncoderPool | undefined;

function sharedPool(threads: number): EncoderPool {
  if (pool) pool.grow(threads);
  else pool = new EncoderPool(threads);
  return pool;
}
