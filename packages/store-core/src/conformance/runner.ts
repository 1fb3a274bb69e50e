/**
 * `@wharf/store-core/conformance/runner`: the conformance kit without any test runner — for
 * the CLI and for scripts. It exports everything `@wharf/store-core/conformance` does except
 * the vitest adapter `describeConformance`, and does not import vitest.
 */

export { ConformanceFailure } from './assertions.js';
export type {
  CheckContextNeeds,
  ConformanceCheck,
  Requirement,
} from './check.js';
export {
  BASE_TIME_MS,
  makeRows,
  STANDARD_FIELDS,
  STANDARD_SCHEMA,
  type StandardRow,
  standardRow,
  standardRows,
  TENANTS,
} from './dataset.js';
export { formatConformanceReport } from './format-report.js';
export { CheckHarness, type ContextOverrides } from './harness.js';
export {
  type CanonicalRow,
  type CanonicalValue,
  canonicalize,
  normalizeInspection,
} from './normalize.js';
export {
  DEFAULT_TIMEOUT_MS,
  readCapabilities,
  runConformanceCheck,
} from './run-check.js';
export { type RunConformanceHooks, runConformance, summarize } from './run-conformance.js';
export { CONFORMANCE_CHECKS } from './sections/index.js';
export {
  type CheckResult,
  type CheckStatus,
  type ConformanceContext,
  type ConformanceOptions,
  type ConformanceReport,
  type Inspection,
  SECTION_IDS,
  type SectionId,
  type SpawnOptions,
} from './types.js';
