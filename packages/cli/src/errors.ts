/** How the CLI reports a failure: one line, or the whole cause chain with `--verbose`. */
import { redact, StoreError } from '@wharf/store-core';

/** The message of a failure as one line, with the store error's code. */
export function describeFailure(error: unknown): string {
  if (StoreError.isInstance(error))
    return `${redact(error.message)} (${error.code}${error.retryable ? ', retryable' : ''})`;
  if (error instanceof Error) return redact(error.message);
  return redact(String(error));
}

/** Every message down the `cause` chain, innermost last, redacted. */
export function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    const name = current instanceof Error ? current.name : typeof current;
    lines.push(`${depth === 0 ? '' : 'caused by '}${name}: ${describeFailure(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}
