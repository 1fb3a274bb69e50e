/**
 * Where a dataset lies in its bucket: an optional folder `prefix` and an optional `table`
 * name under it. Both are checked before any request, so a name from outside can never climb
 * out of the prefix or smuggle characters a reader's glob or a URL would misread.
 */
import { ValidationError } from '@wharf/store-core';

/** A segment of a prefix, or a table name: letters, digits, `.`, `_`, `-` and `=`. */
const SEGMENT = /^[A-Za-z0-9._=-]+$/;

/** Where a dataset lies in its bucket (the options every cloud store takes). */
export interface ObjectPrefixOptions {
  /**
   * The folder of the dataset inside the bucket, e.g. `lake/trips` or `events/year=2026`:
   * `/`-separated segments of letters, digits, `.`, `_`, `-` and `=`; no `.` or `..` segment.
   * Leading and trailing `/` are ignored. @default '' (the bucket's root)
   */
  prefix?: string;
  /**
   * A table name appended to `prefix` as one more segment (letters, digits, `.`, `_`, `-`,
   * `=`), for one bucket folder holding several datasets. @default none
   */
  table?: string;
}

/**
 * The dataset's key prefix without leading or trailing `/` (`''` for the bucket's root), or a
 * `ValidationError` naming the bad part.
 *
 * @example
 * objectPrefix({ prefix: '/lake/', table: 'trips' }, 's3:bucket'); // 'lake/trips'
 */
export function objectPrefix(options: ObjectPrefixOptions, store: string): string {
  const segments: string[] = [];
  if (options.prefix !== undefined) {
    if (typeof options.prefix !== 'string') {
      throw new ValidationError(`${store}: option prefix must be a string`);
    }
    const trimmed = options.prefix.replace(/^\/+|\/+$/g, '');
    if (trimmed !== '') {
      for (const segment of trimmed.split('/'))
        segments.push(checkSegment(segment, 'prefix', store));
    }
  }
  if (options.table !== undefined) {
    if (typeof options.table !== 'string' || options.table.includes('/')) {
      throw new ValidationError(
        `${store}: table ${JSON.stringify(options.table)} must be one name (letters, digits, '.', '_', '-', '=')`,
      );
    }
    segments.push(checkSegment(options.table, 'table', store));
  }
  return segments.join('/');
}

function checkSegment(segment: string, option: string, store: string): string {
  if (!SEGMENT.test(segment) || segment === '.' || segment === '..') {
    throw new ValidationError(
      `${store}: ${option} segment ${JSON.stringify(segment)} is not allowed: use letters, digits, '.', '_', '-' and '=' (no '.' or '..' segments, no empty segments)`,
      { details: { option } },
    );
  }
  return segment;
}
