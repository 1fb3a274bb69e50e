/**
 * CSV files as a source: RFC 4180 (quoted fields, doubled quotes, line breaks inside quotes,
 * CRLF), a header row, streamed in batches. Column types are inferred from the first rows.
 */
import { createReadStream } from 'node:fs';
import { ValidationError } from '@wharf/store-core';
import type { RecordBatch } from 'apache-arrow';
import { buildBatch, inferColumnTypes, schemaOf } from './infer-types.js';

/** Options of {@link readCsvFile}. */
export interface CsvOptions {
  /** @default ',' */
  delimiter?: string;
  /** Rows per batch. @default 65_536 */
  batchRows?: number;
  /** Rows used to infer the column types. @default 1_000 */
  sampleRows?: number;
}

/** Yields the records of a CSV text stream, one array of fields per record. */
export async function* parseCsv(
  chunks: AsyncIterable<string>,
  delimiter = ',',
): AsyncGenerator<string[]> {
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let afterQuote = false;
  let pendingCarriageReturn = false;
  for await (const chunk of chunks) {
    for (const character of chunk) {
      if (pendingCarriageReturn) {
        pendingCarriageReturn = false;
        if (character === '\n') continue;
      }
      if (quoted) {
        if (character === '"') {
          quoted = false;
          afterQuote = true;
        } else field += character;
        continue;
      }
      if (character === '"') {
        if (afterQuote) field += '"';
        quoted = true;
        afterQuote = false;
        continue;
      }
      afterQuote = false;
      if (character === delimiter) {
        record.push(field);
        field = '';
      } else if (character === '\n' || character === '\r') {
        record.push(field);
        field = '';
        if (!(record.length === 1 && record[0] === '')) yield record;
        record = [];
        pendingCarriageReturn = character === '\r';
      } else field += character;
    }
  }
  if (quoted) throw new ValidationError('CSV ends inside a quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    yield record;
  }
}

/** Streams a CSV file as Arrow record batches. */
export async function* readCsvFile(
  path: string,
  options: CsvOptions = {},
): AsyncGenerator<RecordBatch> {
  const batchRows = options.batchRows ?? 65_536;
  const sampleRows = options.sampleRows ?? 1_000;
  const records = parseCsv(createReadStream(path, { encoding: 'utf8' }), options.delimiter ?? ',');
  const header = (await records.next()).value as string[] | undefined;
  if (!header) return;
  const pending: string[][] = [];
  let line = 1;
  let schema: ReturnType<typeof schemaOf> | undefined;
  let types: ReturnType<typeof inferColumnTypes> = [];
  let first = 2;
  const flush = () => {
    if (!schema) {
      types = inferColumnTypes(header, pending.slice(0, sampleRows), true);
      schema = schemaOf(header, types);
    }
    const start = first;
    const batch = buildBatch(
      schema,
      types,
      pending,
      (row, column) => `${path}:${start + row} column '${column}'`,
    );
    first += pending.length;
    pending.length = 0;
    return batch;
  };
  for await (const record of records) {
    line += 1;
    if (record.length !== header.length) {
      throw new ValidationError(
        `${path}:${line} has ${record.length} fields but the header has ${header.length}`,
      );
    }
    pending.push(record);
    if (pending.length >= Math.max(batchRows, schema ? 0 : sampleRows)) yield flush();
  }
  if (pending.length > 0) yield flush();
}
