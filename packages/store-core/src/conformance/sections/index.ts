/**
 * Every check of the kit, section by section in report order. A front end (vitest, the CLI,
 * `runConformance`) runs these; the checks themselves know nothing of any runner.
 */
import type { ConformanceCheck } from '../check.js';
import { arrowTypesChecks } from './arrow-types.js';
import { badInputChecks } from './bad-input.js';
import { concurrencyChecks } from './concurrency.js';
import { contractShapeChecks } from './contract-shape.js';
import { crossProcessChecks } from './cross-process.js';
import { errorsChecks } from './errors.js';
import { faultSweepChecks } from './fault-sweep.js';
import { lifecycleChecks } from './lifecycle.js';
import { recordsChecks } from './records.js';
import { retryProtocolChecks } from './retry-protocol.js';
import { runTypesChecks } from './run-types.js';
import { softDeleteChecks } from './soft-delete.js';
import { stagedWritesChecks } from './staged-writes.js';
import { tenantsChecks } from './tenants.js';
import { vectorSearchChecks } from './vector-search.js';

/** Every check of the kit, in report order (the order of `SECTION_IDS`). */
export const CONFORMANCE_CHECKS: readonly ConformanceCheck[] = [
  ...contractShapeChecks,
  ...lifecycleChecks,
  ...stagedWritesChecks,
  ...runTypesChecks,
  ...retryProtocolChecks,
  ...faultSweepChecks,
  ...crossProcessChecks,
  ...errorsChecks,
  ...arrowTypesChecks,
  ...badInputChecks,
  ...recordsChecks,
  ...tenantsChecks,
  ...softDeleteChecks,
  ...concurrencyChecks,
  ...vectorSearchChecks,
];
