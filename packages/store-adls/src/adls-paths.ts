/**
 * Paths in the file system: keys joined to the store's prefix and taken off it again, and the
 * percent-encoding a rename destination needs.
 */
import { ValidationError } from '@wharf/store-core';

function checkSegments(path: string, what: string): void {
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new ValidationError(
        `ADLS storage: ${what} ${JSON.stringify(path)} has an empty, "." or ".." segment`,
      );
    }
  }
}

/** The path of `key` in the file system, under `prefix`. */
export function pathOf(prefix: string, key: string): string {
  if (key === '' || key.startsWith('/') || key.endsWith('/')) {
    throw new ValidationError(`ADLS storage: ${JSON.stringify(key)} is not an object key`);
  }
  checkSegments(key, 'key');
  return prefix === '' ? key : `${prefix}/${key}`;
}

/** The key of a path below `prefix` (the inverse of {@link pathOf}). */
export function keyOf(prefix: string, path: string): string {
  return prefix === '' ? path : path.slice(prefix.length + 1);
}

/** The parent directory of a path, `''` for a path at the root. */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/**
 * A path as the destination of a rename: the SDK puts it into the URL as given, so each
 * segment is percent-encoded here (a `?` or `%` in a key would otherwise break the URL).
 */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
