/**
 * The encoder worker: receives Arrow IPC streams, answers with Parquet bytes. parquet-wasm is
 * single-threaded; several of these workers encode several files at once. A worker whose
 * WebAssembly instance trapped reports the error and exits, so that the pool starts a fresh
 * instance instead of reusing one in an unknown state.
 */
import { parentPort } from 'node:worker_threads';
import * as wasm from 'parquet-wasm/node';
import { encodeIpcStream, isCodecTrap } from './parquet-codec.js';
import type { EncodeRequest, EncodeResponse } from './parquet-encoder-protocol.js';

const port = parentPort;
if (port === null) throw new Error('parquet-encode-worker must run in a worker thread');

port.on('message', (request: EncodeRequest) => {
  let response: EncodeResponse;
  let trapped = false;
  try {
    const bytes = encodeIpcStream(wasm, request.ipc, request.settings);
    response = { id: request.id, ok: true, bytes };
    port.postMessage(response, [bytes.buffer as ArrayBuffer]);
    return;
  } catch (error) {
    trapped = isCodecTrap(error);
    response = {
      id: request.id,
      ok: false,
      error: {
        name: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
        trapped,
      },
    };
  }
  port.postMessage(response);
  if (trapped) process.exit(1);
});
