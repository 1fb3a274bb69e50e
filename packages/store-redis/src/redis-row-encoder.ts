/**
 * The commands that stage rows, encoded in RESP straight from the Arrow buffers: per row an
 * HSET of its non-null cells under `<row prefix><identifier>` (a row of nulls only gets the field
 * `\0`), followed by a PEXPIRE when rows have a TTL; per chunk of rows one ZADD of their
 * identifiers to the index, scored 0. Integer and ASCII text keys, generated identifiers and the
 * common column types are written without intermediate strings; other keys go through
 * `keyMemberEncoder`, other types through the field codec.
 */
import { ValidationError } from '@wharf/store-core';
import type { Data, DataType, RecordBatch } from 'apache-arrow';
import { type Exact, exactReader, shapeOf, TYPE } from './redis-arrow-values.js';
import {
  type CellEncoder,
  cellEncoder,
  type Presence,
  presence,
  wideNumberReader,
} from './redis-cell-encoders.js';
import {
  CommandBuffer,
  digitCount,
  encodedArgument,
  integerMemberLength,
} from './redis-command-buffer.js';
import { keyKind, keyMemberEncoder } from './redis-key-encoding.js';

/** The numbers kept per encoded row in {@link EncodedRows.layout}. */
export const ROW_LAYOUT = {
  /** Where the row's commands (HSET, then PEXPIRE) start in `bytes`. */
  start: 0,
  /** Where they end. */
  end: 1,
  /** Where the row key's argument (`$<length>`, the key, CRLF) starts. */
  keyStart: 2,
  /** Where it ends. */
  keyEnd: 3,
  /** How many fields the HSET sets: it replies with fewer when the row already existed. */
  fields: 4,
  /** The byte length of the row's identifier, the last part of its key. */
  member: 5,
  /** Numbers per row. */
  size: 6,
} as const;

/** A chunk of encoded rows. */
export interface EncodedRows {
  /** The commands, back to back: every row's HSET (and PEXPIRE), then the ZADD. */
  readonly bytes: Buffer;
  /** How many rows. */
  readonly rows: number;
  /** {@link ROW_LAYOUT}`.size` numbers per row. */
  readonly layout: Int32Array;
  /** Commands per row: 1 (HSET), or 2 with a TTL (HSET, PEXPIRE). */
  readonly commandsPerRow: number;
}

/** What the encoder needs to know about the run and the part. */
export interface RowEncoderOptions {
  /** The store's name, for messages. */
  readonly store: string;
  /** The prefix of the row keys; the identifier follows. */
  readonly rowPrefix: string;
  /** The sorted set that indexes the identifiers. */
  readonly index: string;
  /** TTL of the rows in milliseconds; 0 for none. */
  readonly ttlMs: number;
  /** The key columns; empty for generated identifiers. */
  readonly keyColumns: readonly string[];
  /** The key columns' types (with `keyColumns`). */
  readonly keyTypes: readonly DataType[];
  /** For generated identifiers: the run's ordinal and the part's index. */
  readonly ordinal: number;
  readonly part: number;
}

const EMPTY_ROW_FIELD = encodedArgument('\u0000');
const EMPTY_VALUE = encodedArgument('');
const HSET = encodedArgument('HSET');
const PEXPIRE = encodedArgument('PEXPIRE');
const ZADD = encodedArgument('ZADD');
const SCORE = encodedArgument('0');

/** Writes the row key's argument of row `index` and returns the byte length of its identifier. */
type KeyWriter = (index: number) => number;

/** Encodes rows into chunks of staging commands; see the module comment. */
export class RowEncoder {
  readonly #options: RowEncoderOptions;
  readonly #out = new CommandBuffer(256 * 1024);
  readonly #prefix: Buffer;
  readonly #generatedPrefix: Buffer;
  readonly #ttl: Buffer | undefined;
  readonly #index: Buffer;
  #layout = new Int32Array(1024 * ROW_LAYOUT.size);
  #rows = 0;
  #rowNumber = 0;
  #names: Buffer[] = [];
  #cells: CellEncoder[] = [];
  #present: Presence[] = [];
  /** Columns that hold a value in every row of the batch. */
  #always = 0;
  /** The columns with nulls, by position. */
  #nullable: number[] = [];
  #writeKey: KeyWriter = () => 0;

  constructor(options: RowEncoderOptions) {
    this.#options = options;
    this.#prefix = Buffer.from(options.rowPrefix, 'utf8');
    this.#generatedPrefix = Buffer.from(
      `${String(options.ordinal).padStart(12, '0')}.${String(options.part).padStart(8, '0')}.`,
      'latin1',
    );
    this.#ttl = options.ttlMs > 0 ? encodedArgument(String(options.ttlMs)) : undefined;
    this.#index = encodedArgument(options.index);
  }

  /** Rows encoded since the last `take()`. */
  get rows(): number {
    return this.#rows;
  }

  /** Bytes encoded since the last `take()`. */
  get byteLength(): number {
    return this.#out.length;
  }

  /** Prepares the encoding of `batch`'s rows (its columns, in its schema's order). */
  useBatch(batch: RecordBatch): void {
    const columns = batch.data.children;
    const names = batch.schema.fields.map((field) => field.name);
    this.#names = names.map((name) => encodedArgument(name));
    this.#cells = columns.map((data) => cellEncoder(data));
    this.#present = columns.map((data) => presence(data));
    this.#nullable = [];
    this.#always = 0;
    this.#present.forEach((present, position) => {
      if (present) this.#nullable.push(position);
      else this.#always += 1;
    });
    this.#writeKey = this.#keyWriter(batch, names);
  }

  /** Encodes row `index` of the batch given to `useBatch`. */
  addRow(index: number): void {
    const out = this.#out;
    const start = out.length;
    let fields = this.#always;
    const nullable = this.#nullable;
    const present = this.#present;
    for (let position = 0; position < nullable.length; position += 1) {
      if (present[nullable[position]!]!(index)) fields += 1;
    }
    out.command(2 + 2 * Math.max(fields, 1));
    out.raw(HSET);
    const keyStart = out.length;
    const member = this.#writeKey(index);
    const keyEnd = out.length;
    if (fields === 0) {
      out.raw(EMPTY_ROW_FIELD);
      out.raw(EMPTY_VALUE);
    } else {
      const names = this.#names;
      const cells = this.#cells;
      for (let column = 0; column < cells.length; column += 1) {
        const isPresent = present[column];
        if (isPresent && !isPresent(index)) continue;
        out.raw(names[column]!);
        cells[column]!(index, out);
      }
    }
    if (this.#ttl) {
      out.command(3);
      out.raw(PEXPIRE);
      out.repeat(keyStart, keyEnd);
      out.raw(this.#ttl);
    }
    this.#record(start, out.length, keyStart, keyEnd, Math.max(fields, 1), member);
  }

  /** The rows encoded since the last call, with their ZADD; the encoder starts over. */
  take(): EncodedRows {
    const out = this.#out;
    const rows = this.#rows;
    const layout = this.#layout;
    out.command(2 + 2 * rows);
    out.raw(ZADD);
    out.raw(this.#index);
    for (let row = 0; row < rows; row += 1) {
      out.raw(SCORE);
      // The key argument ends with the identifier, then CRLF.
      const at = row * ROW_LAYOUT.size;
      const memberEnd = layout[at + ROW_LAYOUT.keyEnd]! - 2;
      const member = layout[at + ROW_LAYOUT.member]!;
      out.argument(member);
      out.repeat(memberEnd - member, memberEnd);
      out.end();
    }
    const encoded: EncodedRows = {
      bytes: out.take(),
      rows,
      layout: layout.slice(0, rows * ROW_LAYOUT.size),
      commandsPerRow: this.#ttl ? 2 : 1,
    };
    this.#rows = 0;
    return encoded;
  }

  #record(
    start: number,
    end: number,
    keyStart: number,
    keyEnd: number,
    fields: number,
    member: number,
  ): void {
    let layout = this.#layout;
    const at = this.#rows * ROW_LAYOUT.size;
    if (at + ROW_LAYOUT.size > layout.length) {
      const grown = new Int32Array(layout.length * 2);
      grown.set(layout);
      layout = grown;
      this.#layout = grown;
    }
    layout[at + ROW_LAYOUT.start] = start;
    layout[at + ROW_LAYOUT.end] = end;
    layout[at + ROW_LAYOUT.keyStart] = keyStart;
    layout[at + ROW_LAYOUT.keyEnd] = keyEnd;
    layout[at + ROW_LAYOUT.fields] = fields;
    layout[at + ROW_LAYOUT.member] = member;
    this.#rows += 1;
  }

  /** The writer of row keys for `batch`: generated identifiers, a fast path, or the generic one. */
  #keyWriter(batch: RecordBatch, names: readonly string[]): KeyWriter {
    const out = this.#out;
    const prefix = this.#prefix;
    const { keyColumns, keyTypes, store } = this.#options;
    if (keyColumns.length === 0) {
      const generated = this.#generatedPrefix;
      return () => {
        const row = this.#rowNumber;
        this.#rowNumber += 1;
        const digits = Math.max(10, digitCount(row));
        out.argument(prefix.length + generated.length + digits);
        out.append(prefix, 0, prefix.length);
        out.append(generated, 0, generated.length);
        out.appendPadded(row, 10);
        out.end();
        return generated.length + digits;
      };
    }
    const columns = keyColumns.map((column) => batch.data.children[names.indexOf(column)]!);
    const nullKey = (position: number) =>
      new ValidationError(`${store}: key column '${keyColumns[position]}' is null`);
    const fast =
      keyColumns.length === 1 ? this.#fastKeyWriter(columns[0]!, () => nullKey(0)) : undefined;
    if (fast) return fast;
    const readers = columns.map((data) => exactReader(data));
    const memberOf = keyMemberEncoder(keyColumns, keyTypes);
    return (index) => {
      let member: string;
      try {
        member = memberOf(readers.map((read) => read(index)));
      } catch (error) {
        throw new ValidationError(`${store}: ${(error as Error).message}`, { cause: error });
      }
      return this.#writeTextKey(member);
    };
  }

  /** A key writer for one integer or text key column without intermediate strings, if any. */
  #fastKeyWriter(data: Data, nullKey: () => ValidationError): KeyWriter | undefined {
    const out = this.#out;
    const prefix = this.#prefix;
    const present = presence(data);
    const kind = keyKind(data.type);
    const typeId = shapeOf(data.type).typeId;
    if (kind === 'integer') {
      const values = data.values as unknown;
      const writeNumber = (value: number) => {
        const length = integerMemberLength(value);
        out.argument(prefix.length + length);
        out.append(prefix, 0, prefix.length);
        out.appendIntegerMember(value);
        out.end();
        return length;
      };
      if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
        const read = wideNumberReader(values);
        const generic = keyMemberEncoder(['key'], [data.type]);
        return (index) => {
          if (present && !present(index)) throw nullKey();
          const value = read?.(index);
          if (value !== undefined) return writeNumber(value);
          return this.#writeTextKey(generic([values[index] as Exact]));
        };
      }
      const numbers = values as ArrayLike<number>;
      return (index) => {
        if (present && !present(index)) throw nullKey();
        return writeNumber(numbers[index]!);
      };
    }
    if (kind === 'text' && typeId === TYPE.utf8) {
      const bytes = data.values as Uint8Array;
      const offsets = data.valueOffsets as Int32Array;
      const read = exactReader(data);
      return (index) => {
        if (present && !present(index)) throw nullKey();
        const start = offsets[index]!;
        const end = offsets[index + 1]!;
        for (let position = start; position < end; position += 1) {
          // Not ASCII: the generic path decodes it as JavaScript would (keys are text).
          if (bytes[position]! >= 0x80) return this.#writeTextKey(read(index) as string);
        }
        out.argument(prefix.length + end - start);
        out.append(prefix, 0, prefix.length);
        out.append(bytes, start, end);
        out.end();
        return end - start;
      };
    }
    return undefined;
  }

  /** Writes the key argument of identifier `member`; returns the identifier's byte length. */
  #writeTextKey(member: string): number {
    const out = this.#out;
    const prefix = this.#prefix;
    const length = Buffer.byteLength(member, 'utf8');
    out.argument(prefix.length + length);
    out.append(prefix, 0, prefix.length);
    out.appendText(member);
    out.end();
    return length;
  }
}
