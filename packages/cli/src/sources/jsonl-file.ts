/**
 * JSON Lines files as a source: one object per line, streamed in batches. Column types are
 * inferred from the first rows; nested objects and arrays are kept as JSON text.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ValidationError } from '@wharf/store-core';
import type { RecordBatch } from 'apache-arrow';
import { buildBatch, inferColumnTypes, schemaOf } from './infer-types.js';

/** Options of {@link readJsonLinesFile}. */
export interface JsonLinesOptions {
  /** Rows per batch. @default 65_536 */
  batchRows?: number;
  /** Rows used to infer the columns and their types. @default 1_000 */
  sampleRows?: number;
}

/** Streams a JSON Lines file as Arrow record batches. */
export async function* readJsonLinesFile(
  path: string,
  options: JsonLinesOptions = {},
): AsyncGenerator<RecordBatch> {
  const batchRows = options.batchRows ?? 65_536;
  const sampleRows = options.sampleRows ?? 1_000;
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const pending: Record<string, unknown>[] = [];
  const pendingLines: number[] = [];
  let columns: string[] | undefined;
  let types: ReturnType<typeof inferColumnTypes> = [];
  let schema: ReturnType<typeof schemaOf> | undefined;
  let lineNumber = 0;
  const flush = () => {
    if (!columns) {
      columns = [...new Set(pending.slice(0, sampleRows).flatMap((row) => Object.keys(row)))];
      types = inferColumnTypes(
        columns,
        pending.slice(0, sampleRows).map((row) => columns!.map((column) => row[column])),
        false,
      );
      schema = schemaOf(columns, types);
    }
    const known = new Set(columns);
    pending.forEach((row, index) => {
      for (const key of Object.keys(row)) {
        if (!known.has(key))
          throw new ValidationError(
            `${path}:${pendingLines[index]} has a field '${key}' that the first rows do not have`,
          );
      }
    });
    const rows = pending.map((row) => columns!.map((column) => row[column]));
    const lineNumbers = [...pendingLines];
    const batch = buildBatch(
      schema!,
      types,
      rows,
      (row, column) => `${path}:${lineNumbers[row]} field '${column}'`,
    );
    pending.length = 0;
    pendingLines.length = 0;
    return batch;
  };
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new ValidationError(`${path}:${lineNumber} is not valid JSON`, { cause: error });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ValidationError(`${path}:${lineNumber} is not a JSON object`);
    }
    pending.push(value as Record<string, unknown>);
    pendingLines.push(lineNumber);
    if (pending.length >= Math.max(batchRows, columns ? 0 : sampleRows)) yield flush();
  }
  if (pending.length > 0) yield flush();
}
