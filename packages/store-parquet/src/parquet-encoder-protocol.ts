/**
 * The messages between the encoder pool and its workers. A file crosses in slices, one at a
 * time, each when the worker asks for it: neither side ever holds a whole file's Arrow data
 * as IPC. A slice travels in one of a few buffers the pool shares with the worker, named by
 * the worker when it asks.
 */
import type { EncodeSettings, FileShape } from './parquet-codec.js';

/** Pool → worker: encode file `id`; the worker asks for its slices with `next`. */
export interface EncodeRequest {
  readonly type: 'encode';
  readonly id: number;
  readonly settings: EncodeSettings;
  readonly shape: FileShape;
}

/** What the pool gives a worker when it starts it. */
export interface EncoderWorkerData {
  /** `slotCount` slice buffers of `slotBytes` each. */
  readonly slots: SharedArrayBuffer;
  readonly slotBytes: number;
  readonly slotCount: number;
}

/**
 * Pool → worker, the answer to a `next`: the next slice of file `id`, an Arrow IPC stream:
 * `length` bytes at the start of slice buffer `slot`, or a transferred buffer of its own; none
 * after the last.
 */
export interface SliceMessage {
  readonly type: 'slice';
  readonly id: number;
  readonly slot: number;
  readonly slice: { readonly length: number } | { readonly ipc: Uint8Array } | undefined;
}

export type PoolMessage = EncodeRequest | SliceMessage;

/** Worker → pool: send the next slice of file `id`; slice buffer `slot` is free. */
export interface NextSliceMessage {
  readonly type: 'next';
  readonly id: number;
  readonly slot: number;
}

/** Worker → pool: the next bytes of file `id` (a row group, or the last one and the footer; transferred). */
export interface ChunkMessage {
  readonly type: 'chunk';
  readonly id: number;
  readonly bytes: Uint8Array;
}

/**
 * Worker → pool: file `id` is written (all its chunks sent), or what went wrong; the size of
 * the worker's WebAssembly memory after it. `retiring`: the worker trapped, or its WebAssembly
 * memory grew past its cap; it takes no more work.
 */
export type EncodeResponse = {
  readonly type: 'done';
  readonly id: number;
  readonly wasmBytes: number;
  readonly retiring: boolean;
} & (
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly error: {
        readonly name: string;
        readonly message: string;
        readonly trapped: boolean;
      };
    }
);

export type WorkerMessage = NextSliceMessage | ChunkMessage | EncodeResponse;
