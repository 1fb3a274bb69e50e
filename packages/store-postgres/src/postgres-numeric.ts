/**
 * Exact decimals: Arrow's unscaled two's-complement words, PostgreSQL's binary `numeric`
 * (base-10000 digits with a weight and a display scale) and decimal text, all through
 * `bigint` so that no digit is ever rounded.
 */
import { ValidationError } from '@wharf/store-core';

const NUMERIC_NEGATIVE = 0x4000;
const NBASE = 10_000n;

/** The unscaled value of a decimal stored as `count` little-endian 32-bit words. */
export function wordsToBigInt(words: Uint32Array, offset: number, count: number): bigint {
  let value = 0n;
  for (let index = count - 1; index >= 0; index -= 1) {
    value = (value << 32n) | BigInt(words[offset + index]!);
  }
  const bits = BigInt(count * 32);
  return value >= 1n << (bits - 1n) ? value - (1n << bits) : value;
}

/** Writes `value` as `count` little-endian 32-bit two's-complement words. */
export function bigIntToWords(
  value: bigint,
  target: Uint32Array,
  offset: number,
  count: number,
): void {
  let rest = BigInt.asUintN(count * 32, value);
  for (let index = 0; index < count; index += 1) {
    target[offset + index] = Number(rest & 0xffff_ffffn);
    rest >>= 32n;
  }
}

/** `unscaled × 10^-scale` in PostgreSQL's binary `numeric` format. */
export function encodeNumeric(unscaled: bigint, scale: number): Buffer {
  const negative = unscaled < 0n;
  let magnitude = negative ? -unscaled : unscaled;
  let fraction = scale;
  if (fraction < 0) {
    magnitude *= 10n ** BigInt(-fraction);
    fraction = 0;
  }
  const pad = (4 - (fraction % 4)) % 4;
  magnitude *= 10n ** BigInt(pad);
  const fractionGroups = (fraction + pad) / 4;
  const groups: number[] = [];
  while (magnitude > 0n) {
    groups.push(Number(magnitude % NBASE));
    magnitude /= NBASE;
  }
  // `groups` is least significant first; the first group's weight is groups - fraction - 1.
  const weight = groups.length - fractionGroups - 1;
  let low = 0;
  while (low < groups.length && groups[low] === 0) low += 1;
  const digits = groups.slice(low).reverse();
  const buffer = Buffer.allocUnsafe(8 + digits.length * 2);
  buffer.writeInt16BE(digits.length, 0);
  buffer.writeInt16BE(digits.length === 0 ? 0 : weight, 2);
  buffer.writeUInt16BE(negative && digits.length > 0 ? NUMERIC_NEGATIVE : 0, 4);
  buffer.writeInt16BE(Math.max(scale, 0), 6);
  digits.forEach((digit, index) => {
    buffer.writeInt16BE(digit, 8 + index * 2);
  });
  return buffer;
}

/**
 * The value of a binary `numeric` as an unscaled integer at `scale`. Throws a
 * `ValidationError` for NaN, infinities, and values with more fraction digits than `scale`.
 */
export function decodeNumeric(view: DataView, start: number, scale: number): bigint {
  const count = view.getInt16(start);
  const weight = view.getInt16(start + 2);
  const sign = view.getUint16(start + 4);
  if (sign !== 0 && sign !== NUMERIC_NEGATIVE) {
    throw new ValidationError(
      'a numeric value is NaN or infinite, which Arrow decimals cannot hold',
    );
  }
  let value = 0n;
  for (let index = 0; index < count; index += 1) {
    value = value * NBASE + BigInt(view.getInt16(start + 8 + index * 2));
  }
  // value × 10000^(weight - count + 1) × 10^scale
  const exponent = 4 * (weight - count + 1) + scale;
  if (exponent >= 0) value *= 10n ** BigInt(exponent);
  else {
    const divisor = 10n ** BigInt(-exponent);
    if (value % divisor !== 0n) {
      throw new ValidationError(`a numeric value has more than ${scale} fraction digits`);
    }
    value /= divisor;
  }
  return sign === NUMERIC_NEGATIVE ? -value : value;
}

/** `unscaled × 10^-scale` as plain decimal text, e.g. `-12.50` for (-1250, 2). */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) {
    const whole = scale < 0 && digits !== '0' ? `${digits}${'0'.repeat(-scale)}` : digits;
    return negative ? `-${whole}` : whole;
  }
  digits = digits.padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The unscaled integer of a decimal given as text, a number or a bigint, at `scale`. Throws a
 * `ValidationError` when the value has more fraction digits than `scale` or is not a number.
 */
export function parseDecimal(value: unknown, scale: number, what: string): bigint {
  if (typeof value === 'bigint')
    return scale >= 0 ? value * 10n ** BigInt(scale) : scaleDown(value, -scale, what);
  const text = typeof value === 'number' ? numberText(value, what) : value;
  if (typeof text !== 'string') {
    throw new ValidationError(`${what}: expected a decimal (string, number or bigint)`);
  }
  const match = DECIMAL_TEXT.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new ValidationError(`${what}: '${text}' is not a decimal number`);
  }
  const fraction = match[3] ?? '';
  const exponent = Number(match[4] ?? '0');
  let unscaled = BigInt(`${match[2] || '0'}${fraction}`);
  const shift = scale - fraction.length + exponent;
  if (shift >= 0) unscaled *= 10n ** BigInt(shift);
  else unscaled = scaleDown(unscaled, -shift, what);
  return match[1] === '-' ? -unscaled : unscaled;
}

function scaleDown(value: bigint, digits: number, what: string): bigint {
  const divisor = 10n ** BigInt(digits);
  if (value % divisor !== 0n) {
    throw new ValidationError(
      `${what}: the value has more fraction digits than the column's scale`,
    );
  }
  return value / divisor;
}

function numberText(value: number, what: string): string {
  if (!Number.isFinite(value)) {
    throw new ValidationError(`${what}: ${value} cannot be stored as a decimal`);
  }
  return String(value);
}
