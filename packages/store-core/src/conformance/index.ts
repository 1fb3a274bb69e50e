/**
 * `@wharf/store-core/conformance`: the conformance kit. A backend's test hands it a factory
 * for fresh stores and independent probes of production and staging; the kit runs the checks
 * that the store's capabilities call for. `describeConformance` registers them with vitest;
 * `runConformance` runs them anywhere (also from `@wharf/store-core/conformance/runner`,
 * which does not import vitest).
 */

export { describeConformance } from './describe-conformance.js';
export * from './runner.js';
