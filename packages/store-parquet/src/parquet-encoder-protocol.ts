/** The messages between the encoder pool and its workers. */
import type { EncodeSettings } from './parquet-codec.js';

/** Pool → worker: encode this IPC stream (its buffer is transferred, not copied). */
export interface EncodeRequest {
  readonly id: number;
  readonly ipc: Uint8Array;
  readonly settings: EncodeSettings;
}

/** Worker → pool: the Parquet bytes (transferred), or what went wrong. */
export type EncodeResponse =
  | { readonly id: number; readonly ok: true; readonly bytes: Uint8Array }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: {
        readonly name: string;
        readonly message: string;
        readonly trapped: boolean;
      };
    };
