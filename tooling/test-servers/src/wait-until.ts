import { setTimeout as sleep } from 'node:timers/promises';

/** How {@link waitUntil} polls. */
export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between two checks. @default 100 */
  intervalMs?: number;
  /** Builds the error thrown when the deadline passes. */
  onTimeout: () => Promise<Error>;
}

/**
 * Polls `check` until it returns true or the deadline passes. A check that throws ends the
 * wait at once with its error (e.g. the server process exited).
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await check())) {
    if (Date.now() >= deadline) {
      throw await options.onTimeout();
    }
    await sleep(options.intervalMs ?? 100);
  }
}
