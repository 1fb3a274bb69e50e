/**
 * What a check is, and the requirement helpers that decide whether a store's capabilities
 * call for it. A requirement returns the capability the store does not claim (`runTypes.merge`,
 * `records`, `arrowTypes.decimal`), which the report shows as `not-claimed`.
 */
import type { ArrowTypeName, CapabilityName, RunType, StoreCapabilities } from '@wharf/store-core';
import type { CheckHarness } from './harness.js';
import type { ConformanceOptions, SectionId } from './types.js';

/** Decides whether a check applies: `undefined` when it does, else the unclaimed capability. */
export type Requirement = (
  capabilities: StoreCapabilities,
  options: ConformanceOptions,
) => string | undefined;

/** Context fields a check needs the store to be built with. */
export interface CheckContextNeeds {
  readonly key?: readonly string[];
  readonly tenantColumn?: string;
  readonly softDelete?: boolean;
}

/** One runner-independent check of the kit. */
export interface ConformanceCheck {
  /** `section/slug`, stable across versions, e.g. `staged-writes/isolation`. */
  readonly id: string;
  readonly section: SectionId;
  /** One line a reader of the matrix understands. */
  readonly title: string;
  /** Which capabilities the check needs; absent when every store must pass it. */
  readonly requires?: Requirement;
  /** Context fields the stores of this check are built with. */
  readonly context?: CheckContextNeeds;
  /** Runs the check; throws a `ConformanceFailure` (or anything) when the store fails it. */
  run(harness: CheckHarness): Promise<void>;
}

/** The fields of a check before its id is derived from section and slug. */
export interface CheckDefinition extends Omit<ConformanceCheck, 'id' | 'section'> {
  readonly slug: string;
}

/** Builds a section's checks, deriving each id from the section and the slug. */
export function defineChecks(
  section: SectionId,
  definitions: readonly CheckDefinition[],
): ConformanceCheck[] {
  return definitions.map(({ slug, ...definition }) => ({
    ...definition,
    id: `${section}/${slug}`,
    section,
  }));
}

function claims(capabilities: StoreCapabilities): {
  runTypes: readonly string[];
  arrowTypes: readonly string[];
} {
  return {
    runTypes: Array.isArray(capabilities.runTypes) ? capabilities.runTypes : [],
    arrowTypes: Array.isArray(capabilities.arrowTypes) ? capabilities.arrowTypes : [],
  };
}

/** Needs a boolean capability. */
export function needCapability(name: CapabilityName): Requirement {
  return (capabilities) => (capabilities[name] === true ? undefined : name);
}

/** Needs a run type. */
export function needRunType(runType: RunType): Requirement {
  return (capabilities) =>
    claims(capabilities).runTypes.includes(runType) ? undefined : `runTypes.${runType}`;
}

/** Needs Arrow types. */
export function needArrowTypes(...names: readonly (ArrowTypeName | string)[]): Requirement {
  return (capabilities) => {
    const missing = names.find((name) => !claims(capabilities).arrowTypes.includes(name));
    return missing === undefined ? undefined : `arrowTypes.${missing}`;
  };
}

/** Needs every requirement; reports the first one that fails. */
export function allOf(...requirements: readonly Requirement[]): Requirement {
  return (capabilities, options) => {
    for (const requirement of requirements) {
      const missing = requirement(capabilities, options);
      if (missing !== undefined) return missing;
    }
    return undefined;
  };
}

/** The standard table's key column: every check that writes standard rows needs int64. */
export const needStandardData: Requirement = needArrowTypes('int64');

/** The standard table with its tenant column, for the record API checks. */
export const needRecordData: Requirement = allOf(
  needStandardData,
  needArrowTypes('utf8'),
  needCapability('records'),
);
