/** Exponential backoff with full jitter, bounded. */

/** How long to wait between attempts. */
export interface BackoffOptions {
  /** The first delay, before jitter. @default 200 */
  initialMs?: number;
  /** Each delay is the previous one times this. @default 2 */
  factor?: number;
  /** No delay exceeds this. @default 10_000 */
  maxMs?: number;
  /** Spread each delay uniformly over [delay × (1 − jitter), delay]. @default 0.5 */
  jitter?: number;
}

/** The delay before attempt `attempt + 1` (attempt 1 is the first retry). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random = Math.random,
): number {
  const initial = options.initialMs ?? 200;
  const factor = options.factor ?? 2;
  const max = options.maxMs ?? 10_000;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return base * (1 - jitter * random());
}

/** Resolves after `milliseconds`, or rejects with the signal's reason when it aborts. */
export function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
