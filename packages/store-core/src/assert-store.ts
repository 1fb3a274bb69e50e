/** A runtime check of the contract, for JavaScript authors who have no type checker. */
import { ValidationError } from './errors.js';

/** The methods every store has (the required ones and the base class's defaults). */
export const STORE_METHODS = [
  'write',
  'finish',
  'connect',
  'close',
  'health',
  'configureForRun',
  'cleanupStaging',
  'resetRetrySensitiveState',
  'setPool',
  'recover',
  'metrics',
  'describe',
] as const;

/**
 * Throws a `ValidationError` naming what is missing when `value` does not look like a store:
 * the required methods, a `capabilities` object with a `runTypes` array, `isConnected`.
 *
 * @example
 * import { assertStore } from '@wharf/store-core';
 * assertStore(new MyStore(options)); // ValidationError: store is missing finish()
 */
export function assertStore(value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    throw new ValidationError(
      `expected a store object, got ${value === null ? 'null' : typeof value}`,
    );
  }
  const candidate = value as Record<string, unknown>;
  for (const method of STORE_METHODS) {
    if (typeof candidate[method] !== 'function') {
      throw new ValidationError(
        `store is missing ${method}(); extend Store from @wharf/store-core`,
      );
    }
  }
  const capabilities = candidate.capabilities as { runTypes?: unknown } | undefined;
  if (
    typeof capabilities !== 'object' ||
    capabilities === null ||
    !Array.isArray(capabilities.runTypes)
  ) {
    throw new ValidationError('store is missing capabilities (an object with a runTypes array)');
  }
  if (typeof candidate.isConnected !== 'boolean') {
    throw new ValidationError('store is missing the isConnected property');
  }
  if (
    typeof (candidate as { [Symbol.asyncDispose]?: unknown })[Symbol.asyncDispose] !== 'function'
  ) {
    throw new ValidationError(
      'store is missing [Symbol.asyncDispose](); extend Store from @wharf/store-core',
    );
  }
}
