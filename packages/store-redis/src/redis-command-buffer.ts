/**
 * Redis commands written straight into one growing buffer in the server's wire format (RESP:
 * `*<arguments>` then each argument as `$<length>` and its bytes). Loads encode every row this
 * way, from the Arrow buffers and without intermediate strings, so that the client's work per
 * row stays well below the server's.
 */

const CR = 13;
const LF = 10;
const ZERO = 48;
/** Shorter copies go byte by byte: cheaper than the view that `set` needs. */
const COPY_LOOP_BYTES = 128;

/** Powers of ten up to 10^16, for counting the digits of a safe integer. */
const POWERS_OF_TEN = Array.from({ length: 17 }, (_, exponent) => 10 ** exponent);

/** The number of decimal digits of a non-negative safe integer. */
export function digitCount(value: number): number {
  let digits = 1;
  while (digits < 17 && value >= POWERS_OF_TEN[digits]!) digits += 1;
  return digits;
}

/**
 * The byte length of an integer key's row identifier (see redis-key-encoding.ts): `p` or `n`,
 * two digits of length, the digits of a safe integer.
 */
export function integerMemberLength(value: number): number {
  return 3 + digitCount(value < 0 ? -value : value);
}

/** The most decimal places {@link CommandBuffer.decimal} writes. */
const MAX_PLACES = 6;
/** Below 2^52, `value × 10^places` is off its true value by less than 0.5 (see `decimal`). */
const MAX_SCALED = 2 ** 52;

/** One argument (a bulk string) encoded once, to be copied into many commands. */
export function encodedArgument(value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, Buffer.from('\r\n')]);
}

/** A whole command of fixed arguments, encoded once. */
export function encodedCommand(...args: readonly (string | Uint8Array)[]): Buffer {
  return Buffer.concat([
    Buffer.from(`*${args.length}\r\n`, 'latin1'),
    ...args.map((arg) => encodedArgument(arg)),
  ]);
}

/** Commands in RESP, appended to a buffer that grows as needed. */
export class CommandBuffer {
  #buffer: Buffer;
  #position = 0;

  constructor(initialBytes = 64 * 1024) {
    this.#buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written since the last `take()`. */
  get length(): number {
    return this.#position;
  }

  /** `*<count>`: a command of `count` arguments (its name included) follows. */
  command(count: number): void {
    this.#reserve(24);
    this.#buffer[this.#position++] = 0x2a;
    this.#digits(count, digitCount(count));
    this.#crlf();
  }

  /** Bytes encoded beforehand (see {@link encodedArgument}), copied as they are. */
  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    const buffer = this.#buffer;
    const length = bytes.length;
    if (length < COPY_LOOP_BYTES) {
      let position = this.#position;
      for (let index = 0; index < length; index += 1) buffer[position++] = bytes[index]!;
      this.#position = position;
    } else {
      buffer.set(bytes, this.#position);
      this.#position += length;
    }
  }

  /** An argument: bytes `start` … `end` of `source`. */
  bytes(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.#header(length, length);
    const buffer = this.#buffer;
    if (length < COPY_LOOP_BYTES) {
      let position = this.#position;
      for (let index = start; index < end; index += 1) buffer[position++] = source[index]!;
      this.#position = position;
    } else {
      buffer.set(source.subarray(start, end), this.#position);
      this.#position += length;
    }
    this.#crlf();
  }

  /** An argument: text known to be ASCII (numbers, names, generated identifiers). */
  ascii(text: string): void {
    this.#header(text.length, text.length);
    this.#position += this.#buffer.write(text, this.#position, 'latin1');
    this.#crlf();
  }

  /** An argument: any text, as UTF-8. */
  text(text: string): void {
    const length = Buffer.byteLength(text, 'utf8');
    this.#header(length, length);
    this.#position += this.#buffer.write(text, this.#position, 'utf8');
    this.#crlf();
  }

  /** An argument: the decimal digits of a safe integer. */
  integer(value: number): void {
    const negative = value < 0;
    const magnitude = negative ? -value : value;
    const digits = digitCount(magnitude);
    const length = negative ? digits + 1 : digits;
    this.#header(length, length);
    if (negative) this.#buffer[this.#position++] = 0x2d;
    this.#digits(magnitude, digits);
    this.#crlf();
  }

  /**
   * An argument: a number that is not an integer, as JavaScript's `String(value)` writes it, when
   * that is plain notation with at most six decimal places (prices, measurements); `false`
   * (nothing written) otherwise.
   *
   * `String(value)` is the decimal with the fewest digits that reads back as `value` (the
   * closest one, if several have as few). With `d` decimal places, candidates are the integers
   * `m` with `m / 10^d === value`: that division is correctly rounded, as reading the text is.
   * Below 2^52, the computed `value × 10^d` is within 0.5 of the true product, and any such `m`
   * within 0.5 of it too, so `m` is the rounded product or a neighbour. The first `d` with a
   * candidate has the fewest digits; a single candidate (the ones that read back as `value` are
   * consecutive integers) is `String(value)`'s; two or more are left to `String`.
   */
  decimal(value: number): boolean {
    const negative = value < 0;
    const magnitude = negative ? -value : value;
    if (!(magnitude >= 1e-6 && magnitude < 1e9) || Number.isInteger(magnitude)) return false;
    for (let places = 1; places <= MAX_PLACES; places += 1) {
      const scale = POWERS_OF_TEN[places]!;
      const product = magnitude * scale;
      if (product >= MAX_SCALED) return false;
      const rounded = Math.round(product);
      let scaled = -1;
      let found = 0;
      for (let candidate = rounded - 2; candidate <= rounded + 2; candidate += 1) {
        if (candidate / scale === magnitude) {
          scaled = candidate;
          found += 1;
        }
      }
      if (found === 0) continue;
      if (found > 1) return false;
      const digits = digitCount(scaled);
      const whole = digits > places ? digits - places : 1;
      const length = (negative ? 1 : 0) + whole + 1 + places;
      this.#header(length, length);
      const buffer = this.#buffer;
      if (negative) buffer[this.#position++] = 0x2d;
      const fraction = scaled % scale;
      const integer = (scaled - fraction) / scale;
      this.#digits(integer, digitCount(integer));
      buffer[this.#position++] = 0x2e;
      for (let pad = digitCount(fraction); pad < places; pad += 1) {
        buffer[this.#position++] = ZERO;
      }
      this.#digits(fraction, digitCount(fraction));
      this.#crlf();
      return true;
    }
    return false;
  }

  /** Appends the row identifier of an integer key (see {@link integerMemberLength}). */
  appendIntegerMember(value: number): void {
    const negative = value < 0;
    const magnitude = negative ? -value : value;
    const digits = digitCount(magnitude);
    const count = negative ? 99 - digits : digits;
    const buffer = this.#buffer;
    buffer[this.#position++] = negative ? 0x6e : 0x70;
    buffer[this.#position++] = ZERO + Math.floor(count / 10);
    buffer[this.#position++] = ZERO + (count % 10);
    const start = this.#position;
    this.#digits(magnitude, digits);
    if (negative) {
      for (let index = start; index < this.#position; index += 1) {
        buffer[index] = 2 * ZERO + 9 - buffer[index]!;
      }
    }
  }

  /** Appends the decimal digits of a non-negative safe integer, left-padded with zeros to `width`. */
  appendPadded(value: number, width: number): void {
    const digits = digitCount(value);
    const buffer = this.#buffer;
    for (let pad = digits; pad < width; pad += 1) buffer[this.#position++] = ZERO;
    this.#digits(value, digits);
  }

  /** Appends text as UTF-8 to an argument begun with {@link argument}. */
  appendText(text: string): void {
    this.#position += this.#buffer.write(text, this.#position, 'utf8');
  }

  /** Begins an argument of `length` bytes that the caller writes with {@link append}. */
  argument(length: number): void {
    this.#header(length, length);
  }

  /** Appends bytes `start` … `end` of `source` to an argument begun with {@link argument}. */
  append(source: Uint8Array, start: number, end: number): void {
    const buffer = this.#buffer;
    let position = this.#position;
    if (end - start < COPY_LOOP_BYTES) {
      for (let index = start; index < end; index += 1) buffer[position++] = source[index]!;
    } else {
      buffer.set(source.subarray(start, end), position);
      position += end - start;
    }
    this.#position = position;
  }

  /** Appends a copy of bytes `start` … `end` already written (a key used twice, say). */
  repeat(start: number, end: number): void {
    this.#reserve(end - start);
    this.append(this.#buffer, start, end);
  }

  /** Ends an argument begun with {@link argument}. */
  end(): void {
    this.#crlf();
  }

  /** The bytes written, handed over (the buffer starts afresh), and a fresh start. */
  take(): Buffer {
    const taken = this.#buffer.subarray(0, this.#position);
    this.#buffer = Buffer.allocUnsafe(Math.max(4096, Math.ceil(this.#position * 1.25)));
    this.#position = 0;
    return taken;
  }

  /** `$<length>\r\n`, with room for `payload` bytes and the closing CRLF after it. */
  #header(length: number, payload: number): void {
    this.#reserve(payload + 24);
    this.#buffer[this.#position++] = 0x24;
    this.#digits(length, digitCount(length));
    this.#crlf();
  }

  /** The `digits` decimal digits of the non-negative safe integer `value`. */
  #digits(value: number, digits: number): void {
    const buffer = this.#buffer;
    let position = this.#position + digits - 1;
    let rest = value;
    if (rest < 0x80000000) {
      while (rest >= 10) {
        const quotient = (rest / 10) | 0;
        buffer[position--] = ZERO + (rest - quotient * 10);
        rest = quotient;
      }
    } else {
      while (rest >= 10) {
        const quotient = Math.floor(rest / 10);
        buffer[position--] = ZERO + (rest - quotient * 10);
        rest = quotient;
      }
    }
    buffer[position] = ZERO + rest;
    this.#position += digits;
  }

  #crlf(): void {
    this.#buffer[this.#position++] = CR;
    this.#buffer[this.#position++] = LF;
  }

  #reserve(bytes: number): void {
    if (this.#position + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#position + bytes));
    this.#buffer.copy(grown, 0, 0, this.#position);
    this.#buffer = grown;
  }
}
