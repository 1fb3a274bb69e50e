/** Arrow IPC files (`.arrow`, `.feather` v2) and streams as a source, read batch by batch. */
import { open } from 'node:fs/promises';
import { ValidationError } from '@wharf/store-core';
import { type RecordBatch, RecordBatchReader } from 'apache-arrow';

/** Streams the record batches of an Arrow IPC file or stream. */
export async function* readArrowFile(path: string): AsyncGenerator<RecordBatch> {
  const handle = await open(path, 'r');
  try {
    let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
    try {
      reader = await RecordBatchReader.from(handle);
    } catch (error) {
      throw new ValidationError(`${path} is not an Arrow IPC file or stream`, { cause: error });
    }
    for await (const batch of reader as AsyncIterable<RecordBatch>) yield batch;
  } finally {
    await handle.close();
  }
}
