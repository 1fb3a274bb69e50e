/**
 * The vitest front end: registers the kit's checks as tests, one `describe` per section and
 * one `it` per check. A check the store does not claim is registered with `it.skip` and the
 * capability in its title, so it shows in the output without ever counting as passed.
 */
import type { StoreCapabilities } from '@wharf/store-core';
import { describe, it } from 'vitest';
import { ConformanceFailure, describeError } from './assertions.js';
import type { ConformanceCheck } from './check.js';
import {
  DEFAULT_TIMEOUT_MS,
  notClaimedReason,
  readCapabilities,
  runConformanceCheck,
} from './run-check.js';
import { CONFORMANCE_CHECKS } from './sections/index.js';
import { type ConformanceOptions, SECTION_IDS } from './types.js';

// vitest's own limit sits above the kit's, so a slow check fails with the kit's message.
const VITEST_TIMEOUT_MARGIN_MS = 30_000;

/**
 * Registers the conformance kit with vitest. The store's capabilities decide which checks run,
 * so this first makes one store (never connected) to read them: await it at the top level of
 * the test file, where vitest collects tests.
 *
 * @example
 * // test/conformance.test.ts
 * import { describeConformance } from '@wharf/store-core/conformance';
 * await describeConformance({
 *   name: '@acme/store-duckdb',
 *   createStore: (context) => new DuckDbStore({ path: join(context.directory, 'db'), table: context.table }),
 *   inspect: (context) => readWithDuckDb(context),
 *   inspectStaging: (context) => countStagingTables(context),
 * });
 */
export async function describeConformance(
  options: ConformanceOptions,
  checks: readonly ConformanceCheck[] = CONFORMANCE_CHECKS,
): Promise<void> {
  let capabilities: StoreCapabilities | undefined;
  let setupError: unknown;
  try {
    capabilities = await readCapabilities(options);
  } catch (error) {
    setupError = error;
  }
  const timeoutMs = (options.timeoutMs ?? DEFAULT_TIMEOUT_MS) + VITEST_TIMEOUT_MARGIN_MS;

  describe(`conformance: ${options.name}`, () => {
    for (const section of SECTION_IDS) {
      const sectionChecks = checks.filter((check) => check.section === section);
      if (sectionChecks.length === 0) continue;
      describe(section, () => {
        for (const check of sectionChecks) {
          if (capabilities === undefined) {
            it(check.title, () => {
              throw new ConformanceFailure(
                `could not read the store's capabilities: createStore() failed with ${describeError(setupError)}`,
              );
            });
            continue;
          }
          const known = capabilities;
          const reason = notClaimedReason(check, known, options);
          if (reason !== undefined) {
            it.skip(`${check.title} [not claimed: ${reason}]`, () => {});
            continue;
          }
          it(
            check.title,
            async () => {
              const result = await runConformanceCheck(check, known, options);
              if (result.status === 'failed') {
                throw new ConformanceFailure(`[${check.id}] ${result.error ?? 'failed'}`);
              }
            },
            timeoutMs,
          );
        }
      });
    }
  });
}
