/**
 * The encoder worker: takes a file's Arrow IPC slices from the pool as they come, streams them
 * through parquet-wasm row group by row group, and sends each row group's bytes back as soon
 * as it is written. parquet-wasm is single-threaded; several of these workers encode several
 * files at once. A worker whose WebAssembly instance trapped reports the error and exits, so
 * that the pool starts a fresh instance instead of reusing one in an unknown state; one whose
 * WebAssembly memory (which never shrinks) grew past a cap retires after its file, so that a
 * large row group's memory is not kept for good.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as wasm from 'parquet-wasm/node';
import { encodeIpcSlices, isCodecTrap, type NextSlice } from './parquet-codec.js';
import type {
  EncodeRequest,
  EncodeResponse,
  EncoderWorkerData,
  PoolMessage,
  WorkerMessage,
} from './parquet-encoder-protocol.js';

/**
 * The WebAssembly memory past which a worker retires. Streaming a file takes about four times
 * its largest row group's encoded bytes (the row group in progress, the writer's buffer and
 * two copies on the way out) and twice a slice: some 60 MiB for 122,880 rows of ~120 bytes,
 * and at most about 160 MiB with the default 32 MiB files, whatever the rows. Larger row
 * groups (set by `rowGroupRows` and `targetFileBytes`) cost a worker's restart per file, not
 * memory kept.
 */
const RETIRE_BYTES = 192 * 1024 * 1024;

const port = parentPort;
if (port === null) throw new Error('parquet-encode-worker must run in a worker thread');
const { slots, slotBytes, slotCount } = workerData as EncoderWorkerData;

/** A slice that arrived: its bytes (`undefined` after the last) and the buffer it asked for. */
interface Arrived {
  readonly slot: number;
  readonly ipc: Uint8Array | undefined;
}

/** The slices of the file being encoded that arrived and were not taken yet. */
let inbox: { readonly id: number; readonly arrived: Arrived[]; wake?: () => void } | undefined;

port.on('message', (message: PoolMessage) => {
  if (message.type === 'encode') {
    void encode(message);
    return;
  }
  if (inbox?.id !== message.id) return;
  const { slot, slice } = message;
  const ipc =
    slice === undefined || 'ipc' in slice
      ? slice?.ipc
      : new Uint8Array(slots, slot * slotBytes, slice.length);
  inbox.arrived.push({ slot, ipc });
  inbox.wake?.();
});

/**
 * The slices of file `id`. Every slice buffer is asked for at once, so several slices are on
 * their way while one is encoded; a buffer is asked for again once its slice was read, i.e. at
 * the next call (a slice is valid until then).
 */
function slicesOf(id: number): NextSlice {
  const current: NonNullable<typeof inbox> = { id, arrived: [] };
  inbox = current;
  for (let slot = 0; slot < slotCount; slot += 1) post({ type: 'next', id, slot });
  let read: number | undefined;
  let ended = false;
  return async () => {
    if (read !== undefined) post({ type: 'next', id, slot: read });
    read = undefined;
    if (ended) return undefined;
    while (current.arrived.length === 0) {
      await new Promise<void>((resolve) => {
        current.wake = resolve;
      });
    }
    const { slot, ipc } = current.arrived.shift()!;
    read = slot;
    ended = ipc === undefined;
    return ipc;
  };
}

async function encode(request: EncodeRequest): Promise<void> {
  const { id } = request;
  let response: EncodeResponse;
  let trapped = false;
  try {
    await encodeIpcSlices(wasm, slicesOf(id), request.settings, request.shape, (chunk) =>
      sendChunk(id, chunk),
    );
    response = { type: 'done', id, ok: true, ...memory(false) };
  } catch (error) {
    trapped = isCodecTrap(error);
    response = {
      type: 'done',
      id,
      ok: false,
      error: {
        name: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
        trapped,
      },
      ...memory(trapped),
    };
  }
  post(response);
  if (trapped) process.exit(1);
}

/**
 * Sends a row group's bytes to the pool as they come out of parquet-wasm (a buffer of their
 * own, transferred): the pool puts the file together while the next row groups encode.
 */
function sendChunk(id: number, chunk: Uint8Array): void {
  const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
  const bytes = whole ? chunk : chunk.slice();
  port!.postMessage({ type: 'chunk', id, bytes } satisfies WorkerMessage, [
    bytes.buffer as ArrayBuffer,
  ]);
}

/** The WebAssembly memory's size, and whether this worker retires. */
function memory(trapped: boolean): { wasmBytes: number; retiring: boolean } {
  const wasmBytes = trapped ? 0 : wasm.wasmMemory().buffer.byteLength;
  return { wasmBytes, retiring: trapped || wasmBytes > RETIRE_BYTES };
}

function post(message: WorkerMessage): void {
  port!.postMessage(message);
}
