/**
 * Loading a backend package on demand. The CLI depends on store-core only; a backend that is
 * not installed gives one line saying which package to install.
 */
import { ValidationError } from '@wharf/store-core';

/** Imports `packageName`, or throws a `ValidationError` that says how to install it. */
export async function loadBackend(packageName: string): Promise<Record<string, unknown>> {
  try {
    return (await import(packageName)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      String((error as Error).message).includes(packageName);
    if (missing) {
      throw new ValidationError(`this store needs ${packageName}: npm install ${packageName}`, {
        cause: error,
      });
    }
    throw error;
  }
}
