/**
 * The programmatic front end: runs every check in order and returns the report. The CLI prints
 * it as a matrix; a test asserts on it.
 */
import type { StoreCapabilities } from '@wharf/store-core';
import { describeError } from './assertions.js';
import type { ConformanceCheck } from './check.js';
import { readCapabilities, runConformanceCheck } from './run-check.js';
import { CONFORMANCE_CHECKS } from './sections/index.js';
import type { CheckResult, ConformanceOptions, ConformanceReport } from './types.js';

/** Options of {@link runConformance} beyond the kit's own. */
export interface RunConformanceHooks {
  /** Called after each check, e.g. to print progress. */
  onResult?: (result: CheckResult) => void;
  /** The checks to run. @default every check of the kit */
  checks?: readonly ConformanceCheck[];
}

/** Counts a report's rows by status. */
export function summarize(checks: readonly CheckResult[]): ConformanceReport['summary'] {
  return {
    passed: checks.filter((check) => check.status === 'passed').length,
    failed: checks.filter((check) => check.status === 'failed').length,
    notClaimed: checks.filter((check) => check.status === 'not-claimed').length,
  };
}

/**
 * Runs the conformance kit against a store, one check after another, and reports every check
 * as `passed`, `failed` or `not-claimed`. Never throws for a failing check or store.
 *
 * @example
 * const report = await runConformance({
 *   name: '@acme/store-duckdb',
 *   createStore: (context) => new DuckDbStore({ path: join(context.directory, 'db'), table: context.table }),
 *   inspect: (context) => readWithDuckDb(context),
 *   inspectStaging: (context) => countStagingTables(context),
 * });
 * console.log(report.summary); // { passed: 120, failed: 0, notClaimed: 14 }
 */
export async function runConformance(
  options: ConformanceOptions,
  hooks: RunConformanceHooks = {},
): Promise<ConformanceReport> {
  const checks = hooks.checks ?? CONFORMANCE_CHECKS;
  let capabilities: StoreCapabilities;
  try {
    capabilities = await readCapabilities(options);
  } catch (error) {
    const message = `could not read the store's capabilities: createStore() failed with ${describeError(error)}`;
    const results = checks.map(
      (check): CheckResult => ({
        id: check.id,
        section: check.section,
        title: check.title,
        status: 'failed',
        error: message,
        durationMs: 0,
      }),
    );
    for (const result of results) hooks.onResult?.(result);
    return { store: options.name, checks: results, summary: summarize(results) };
  }
  const results: CheckResult[] = [];
  for (const check of checks) {
    const result = await runConformanceCheck(check, capabilities, options);
    results.push(result);
    hooks.onResult?.(result);
  }
  return { store: options.name, checks: results, summary: summarize(results) };
}
