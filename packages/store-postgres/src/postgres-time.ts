/**
 * Calendar arithmetic for the JSON form of dates and timestamps (inside struct columns, which
 * are stored as jsonb): ISO-8601 text with every digit of the Arrow unit, computed on integers
 * so that no precision is lost and any year works.
 */
import { ValidationError } from '@wharf/store-core';

/** Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
export const POSTGRES_EPOCH_DAYS = 10_957;
/** Microseconds from 1970-01-01 to 2000-01-01. */
export const POSTGRES_EPOCH_MICROS = 946_684_800_000_000;

const UNITS_PER_SECOND = [1n, 1_000n, 1_000_000n, 1_000_000_000n] as const;
const FRACTION_DIGITS = [0, 3, 6, 9] as const;
const SECONDS_PER_DAY = 86_400n;

/** Units of `unit` per second. */
export function unitsPerSecond(unit: number): bigint {
  return UNITS_PER_SECOND[unit] ?? 1n;
}

// Howard Hinnant's days_from_civil / civil_from_days, on the proleptic Gregorian calendar.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (month <= 2 ? 1 : 0), month, day];
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function yearText(year: number): string {
  if (year >= 0 && year <= 9999) return pad(year, 4);
  return `${year < 0 ? '-' : '+'}${pad(Math.abs(year), 6)}`;
}

/** `YYYY-MM-DD` of a day count since 1970-01-01. */
export function formatDate(days: number): string {
  const [year, month, day] = civilFromDays(days);
  return `${yearText(year)}-${pad(month, 2)}-${pad(day, 2)}`;
}

const DATE_TEXT = /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})$/;

/** The day count since 1970-01-01 of `YYYY-MM-DD`. */
export function parseDate(text: string): number {
  const match = DATE_TEXT.exec(text);
  if (!match) throw new ValidationError(`'${text}' is not a date (YYYY-MM-DD)`);
  return daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3]));
}

/**
 * ISO-8601 text of a timestamp of `unit` since the Unix epoch, with as many fraction digits as
 * the unit has, and `Z` when the timestamp has a time zone.
 */
export function formatTimestamp(value: bigint, unit: number, zoned: boolean): string {
  const perSecond = unitsPerSecond(unit);
  const perDay = perSecond * SECONDS_PER_DAY;
  let days = value / perDay;
  let rest = value % perDay;
  if (rest < 0n) {
    rest += perDay;
    days -= 1n;
  }
  const seconds = Number(rest / perSecond);
  const fraction = rest % perSecond;
  const digits = FRACTION_DIGITS[unit] ?? 0;
  const time = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  const fractionText = digits === 0 ? '' : `.${fraction.toString().padStart(digits, '0')}`;
  return `${formatDate(Number(days))}T${time}${fractionText}${zoned ? 'Z' : ''}`;
}

const TIMESTAMP_TEXT =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** A timestamp of `unit` since the Unix epoch from ISO-8601 text (as written by `formatTimestamp`). */
export function parseTimestamp(text: string, unit: number): bigint {
  const match = TIMESTAMP_TEXT.exec(text);
  if (!match) throw new ValidationError(`'${text}' is not an ISO-8601 timestamp`);
  const days = daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3]));
  let seconds =
    BigInt(days) * SECONDS_PER_DAY +
    BigInt(Number(match[4]) * 3600 + Number(match[5]) * 60 + Number(match[6]));
  const zone = match[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    seconds -= sign * BigInt(Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
  }
  const nanos = BigInt((match[7] ?? '').padEnd(9, '0'));
  const perSecond = unitsPerSecond(unit);
  const total = seconds * 1_000_000_000n + nanos;
  const divisor = 1_000_000_000n / perSecond;
  if (total % divisor !== 0n) {
    throw new ValidationError(`'${text}' has more precision than the column's unit`);
  }
  return total / divisor;
}
