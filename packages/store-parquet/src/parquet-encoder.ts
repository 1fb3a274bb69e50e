/**
 * The encoder: Arrow record batches in, Parquet file bytes out, asynchronously. With
 * `threads > 0` the work runs on a pool of worker threads shared by every store of the
 * process (each with its own parquet-wasm instance), so several files encode at once and the
 * event loop stays free; with `threads: 0` it runs on the calling thread.
 *
 * A file goes to a worker in slices of a few MiB, each serialized as Arrow IPC into one of
 * two buffers the worker shares with the pool when the worker asks for it; the worker writes
 * the file row group by row group and sends each row group's bytes back at once, which the
 * pool puts together while the next ones encode. So a worker's memory follows the row group,
 * not the file, and no side holds a file's Arrow data twice or allocates per slice (a
 * process's heaps keep the high-water mark of what was ever allocated at once, garbage not
 * yet collected included). Idle workers do not keep the process alive and exit after a
 * while, returning their WebAssembly memory.
 */

import { Worker } from 'node:worker_threads';
import { batchBytes } from '@wharf/store-core';
import {
  type RecordBatch,
  RecordBatchStreamWriter,
  type Schema,
  Table,
  tableToIPC,
} from 'apache-arrow';
import {
  checkRows,
  codecTrap,
  type EncodeSettings,
  encodeIpcStream,
  FileBuffer,
  type FileShape,
  isUnfinishedParquet,
  type ParquetWasmModule,
} from './parquet-codec.js';
import type {
  EncoderWorkerData,
  PoolMessage,
  SliceMessage,
  WorkerMessage,
} from './parquet-encoder-protocol.js';

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
    async encode(schema, batches, settings) {
      const file = fileSlices(batches);
      try {
        return await pool.run(schema, file, settings);
      } catch (error) {
        if (!(error instanceof Error && isUnfinishedParquet(error))) throw error;
        // parquet-wasm's stream does not say why it stopped; writing the same batches at once
        // does (or writes the file the in-thread encoder writes).
        return encodeInline(schema, file, settings);
      }
    },
    warm: () => pool.warm(),
  };
}

/**
 * Arrow bytes per slice, at most: a worker holds one in WebAssembly memory and the next in its
 * other buffer. A batch that fits is sent whole: Arrow IPC rewrites the offsets of a batch's
 * string columns for every piece cut from it after the first, which costs more than encoding
 * saves on memory below a typical batch (65,536 rows of ~120 bytes: 7.5 MiB).
 */
const SLICE_BYTES = 8 * 1024 * 1024;

/**
 * The bytes of each of a worker's slice buffers: a slice's IPC is its Arrow bytes and small
 * headers; one that does not fit (rows far larger than their batch's average) is sent in a
 * buffer of its own.
 */
const SLOT_BYTES = SLICE_BYTES + SLICE_BYTES / 4;

/**
 * A worker's slice buffers: while it encodes one slice, the next is on its way, so a pool
 * thread that is not scheduled at once (on a busy machine) does not stall it.
 */
const SLOT_COUNT = 2;

/** A file's batches in slices, and its shape. */
interface FileSlices {
  readonly slices: readonly (readonly RecordBatch[])[];
  readonly shape: FileShape;
}

/**
 * A file's batches in slices of at most about {@link SLICE_BYTES}: consecutive batches, a
 * larger one cut into as few equal pieces as fit (zero-copy). Both encoders hand parquet-wasm
 * exactly these record batches, so both write the same bytes. A file without rows is one
 * slice, maybe empty.
 */
function fileSlices(batches: readonly RecordBatch[]): FileSlices {
  const slices: RecordBatch[][] = [];
  let slice: RecordBatch[] = [];
  let sliceBytes = 0;
  let rows = 0;
  let arrowBytes = 0;
  const add = (piece: RecordBatch, bytes: number) => {
    if (slice.length > 0 && sliceBytes + bytes > SLICE_BYTES) {
      slices.push(slice);
      slice = [];
      sliceBytes = 0;
    }
    slice.push(piece);
    sliceBytes += bytes;
    arrowBytes += bytes;
  };
  for (const batch of batches) {
    rows += batch.numRows;
    if (batch.numRows === 0) continue;
    const bytes = batchBytes(batch);
    const pieces = Math.ceil(bytes / SLICE_BYTES);
    if (pieces <= 1) {
      add(batch, bytes);
      continue;
    }
    // A piece of a batch shares its buffers: its bytes are estimated from its rows.
    const rowBytes = bytes / batch.numRows;
    const step = Math.max(64, Math.ceil(batch.numRows / pieces));
    for (let offset = 0; offset < batch.numRows; ) {
      let end = Math.min(batch.numRows, offset + step);
      // Cut where a byte of the validity bitmaps starts: Arrow IPC then copies a piece's
      // bitmaps instead of rebuilding them bit by bit.
      if (end < batch.numRows) end -= (batch.data.offset + end) % 8;
      add(batch.slice(offset, end), rowBytes * (end - offset));
      offset = end;
    }
  }
  if (slice.length > 0 || slices.length === 0) slices.push(slice);
  return { slices, shape: { rows, arrowBytes: Math.ceil(arrowBytes) } };
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

/**
 * On the calling thread, a file is written at once: a trap must surface as an error of the
 * call, which it does in synchronous code only (parquet-wasm's stream runs in microtasks).
 */
async function encodeInline(
  schema: Schema,
  file: FileSlices,
  settings: EncodeSettings,
): Promise<Uint8Array> {
  const wasm = await loadParquetWasm();
  const ipc = tableToIPC(new Table(schema, file.slices.flat()), 'stream');
  return encodeIpcStream(wasm, ipc, settings);
}

const inlineEncoder: ParquetEncoder = {
  parallelism: 1,
  warm() {
    void loadParquetWasm().catch(() => {
      // Reported by the first encode.
    });
  },
  encode: (schema, batches, settings) => encodeInline(schema, fileSlices(batches), settings),
};

/** How long an idle worker lives before it exits and frees its memory. */
const IDLE_EXIT_MS = 15_000;

interface Job {
  readonly id: number;
  readonly schema: Schema;
  readonly settings: EncodeSettings;
  readonly shape: FileShape;
  /** The slices not sent yet. */
  readonly slices: Iterator<readonly RecordBatch[]>;
  /** The slices being sent, in order. */
  sending: Promise<void>;
  /** The file's bytes received so far. */
  file: FileBuffer | undefined;
  /** Resolved or rejected: the worker's later messages about it are not needed. */
  settled: boolean;
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

interface PoolWorker {
  readonly worker: Worker;
  /** Slice buffers shared with the worker, each written when the worker says it is free. */
  readonly slots: SharedArrayBuffer;
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

  run(schema: Schema, file: FileSlices, settings: EncodeSettings): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      const job: Job = {
        id: this.#nextId++,
        schema,
        settings,
        shape: file.shape,
        slices: file.slices[Symbol.iterator](),
        sending: Promise.resolve(),
        file: undefined,
        settled: false,
        resolve(bytes) {
          job.settled = true;
          resolve(bytes);
        },
        reject(error) {
          job.settled = true;
          reject(error);
        },
      };
      this.#queue.push(job);
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
      post(idle, { type: 'encode', id: job.id, settings: job.settings, shape: job.shape });
    }
  }

  #start(): PoolWorker {
    const slots = new SharedArrayBuffer(SLOT_COUNT * SLOT_BYTES);
    const workerData: EncoderWorkerData = { slots, slotBytes: SLOT_BYTES, slotCount: SLOT_COUNT };
    const worker = new Worker(new URL('./parquet-encode-worker.js', import.meta.url), {
      workerData,
    });
    const entry: PoolWorker = { worker, slots, job: undefined, idleTimer: undefined };
    this.#workers.add(entry);
    worker.on('message', (message: WorkerMessage) => {
      const job = entry.job;
      if (job === undefined || job.id !== message.id) return;
      if (message.type === 'next') {
        const { slot } = message;
        job.sending = job.sending.then(() => sendSlice(entry, job, slot));
        return;
      }
      if (message.type === 'chunk') {
        if (job.settled) return;
        job.file ??= new FileBuffer(job.shape.arrowBytes);
        job.file.append(message.bytes);
        return;
      }
      entry.job = undefined;
      if (!job.settled) {
        if (message.ok) settleFile(job);
        else job.reject(workerError(message.error));
      }
      if (message.retiring) {
        // Trapped (it exits by itself) or its WebAssembly memory grew past its cap.
        this.#workers.delete(entry);
        void worker.terminate();
      } else {
        this.#idle(entry);
      }
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
    if (job && !job.settled) {
      job.reject(codecTrap(`the Parquet encoder stopped: ${error.message}`, error));
    }
    this.#dispatch();
  }
}

/** Resolves `job` with its file, or rejects it when the file lacks rows. */
function settleFile(job: Job): void {
  try {
    job.resolve(checkRows(job.file?.bytes() ?? new Uint8Array(0), job.shape.rows));
  } catch (error) {
    job.reject(error as Error);
  }
  job.file = undefined;
}

/**
 * Sends `job`'s next slice to its worker, as IPC in slice buffer `slot` (which the worker no
 * longer reads), or in a transferred buffer of its own when too large; after the last, tells
 * the worker the file ends. A slice that cannot be serialized fails the job; the worker is
 * told the file ends, and its answer is ignored.
 */
async function sendSlice(entry: PoolWorker, job: Job, slot: number): Promise<void> {
  // The worker went on to another file: its buffers are that file's now.
  if (entry.job !== job) return;
  let slice: SliceMessage['slice'];
  try {
    const next = job.settled ? undefined : job.slices.next();
    if (next && !next.done) slice = await serialize(entry, job, slot, next.value);
  } catch (error) {
    job.reject(error instanceof Error ? error : new Error(String(error)));
  }
  post(entry, { type: 'slice', id: job.id, slot, slice });
}

/** `batches` as an Arrow IPC stream, written into slice buffer `slot` if it fits. */
async function serialize(
  entry: PoolWorker,
  job: Job,
  slot: number,
  batches: readonly RecordBatch[],
): Promise<SliceMessage['slice']> {
  // The writer's chunks are views of the batches' buffers and small headers: copied once.
  const writer = RecordBatchStreamWriter.writeAll(new Table(job.schema, [...batches]));
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of writer) {
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  if (entry.job !== job) return undefined;
  const fits = length <= SLOT_BYTES;
  const target = fits
    ? new Uint8Array(entry.slots, slot * SLOT_BYTES, length)
    : new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    target.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return fits ? { length } : { ipc: target };
}

/** Posts `message`, transferring a slice's own buffer rather than copying it. */
function post(entry: PoolWorker, message: PoolMessage): void {
  const ipc =
    message.type === 'slice' && message.slice && 'ipc' in message.slice
      ? message.slice.ipc
      : undefined;
  entry.worker.postMessage(message, ipc ? [ipc.buffer as ArrayBuffer] : []);
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
