/**
 * Running one check: decide whether it applies (selected section, not skipped, capabilities
 * claimed), run it in a fresh harness under the timeout, and turn the outcome into a report
 * row. Shared by the programmatic runner and the vitest adapter.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreCapabilities } from '@wharf/store-core';
import { ConformanceFailure, describeError } from './assertions.js';
import type { ConformanceCheck } from './check.js';
import { CheckHarness } from './harness.js';
import type { CheckResult, ConformanceOptions } from './types.js';

/** The default per-check timeout: two minutes. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Why `check` does not run for this store, or `undefined` when it runs: the section is not
 * selected or is skipped, or the store does not claim a capability the check needs (then the
 * capability, e.g. `runTypes.merge`).
 */
export function notClaimedReason(
  check: ConformanceCheck,
  capabilities: StoreCapabilities,
  options: ConformanceOptions,
): string | undefined {
  if (options.sections !== undefined && !options.sections.includes(check.section)) {
    return 'section not selected';
  }
  const skipped = options.skipSections?.[check.section];
  if (skipped !== undefined) return `section skipped: ${skipped}`;
  return check.requires?.(capabilities, options);
}

/**
 * Reads the capabilities the store declares, from a store the factory makes for a throwaway
 * context (never connected, closed at once).
 */
export async function readCapabilities(options: ConformanceOptions): Promise<StoreCapabilities> {
  const directory = await mkdtemp(join(options.tempRoot ?? tmpdir(), 'wharf-conformance-'));
  try {
    const store = await options.createStore({
      checkId: 'capabilities',
      table: `t_capabilities_${process.pid}`,
      directory,
      prefix: `wharf-capabilities-${process.pid}`,
      secret: 'wharf-secret-capabilities',
    });
    try {
      const capabilities = store.capabilities;
      if (typeof capabilities !== 'object' || capabilities === null) {
        throw new ConformanceFailure(
          `the store declares no capabilities object (got ${String(capabilities)}); extend Store and declare capabilities`,
        );
      }
      return capabilities;
    } finally {
      await store.close().catch(() => undefined);
    }
  } finally {
    await rm(directory, { recursive: true, force: true }).catch(() => undefined);
  }
}

function timeout(
  milliseconds: number,
  check: ConformanceCheck,
): {
  promise: Promise<never>;
  cancel(): void;
} {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConformanceFailure(
            `timed out after ${milliseconds} ms (options.timeoutMs): ${check.id} did not finish — a store call hung, or the store is too slow for the kit's small data`,
          ),
        ),
      milliseconds,
    );
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * Runs one check against the store and reports it. Never throws: a failing check, a throwing
 * factory or a timeout all become a `failed` row with a message.
 */
export async function runConformanceCheck(
  check: ConformanceCheck,
  capabilities: StoreCapabilities,
  options: ConformanceOptions,
): Promise<CheckResult> {
  const started = performance.now();
  const base = { id: check.id, section: check.section, title: check.title };
  const reason = notClaimedReason(check, capabilities, options);
  if (reason !== undefined) {
    return { ...base, status: 'not-claimed', error: reason, durationMs: 0 };
  }
  let harness: CheckHarness | undefined;
  const limit = timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, check);
  try {
    harness = await CheckHarness.open(options, capabilities, check);
    const running = check.run(harness);
    running.catch(() => undefined);
    await Promise.race([running, limit.promise]);
    return { ...base, status: 'passed', durationMs: performance.now() - started };
  } catch (error) {
    const message = ConformanceFailure.isInstance(error)
      ? error.message
      : harness
        ? harness.unexpected(error)
        : `could not start the check: ${describeError(error)}`;
    return { ...base, status: 'failed', error: message, durationMs: performance.now() - started };
  } finally {
    limit.cancel();
    await harness?.dispose();
  }
}
