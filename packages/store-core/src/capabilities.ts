/**
 * The capability model. A store declares what it can do as plain data; the library and the
 * conformance kit read it. A call that needs a capability the store does not claim fails at
 * once with a `ValidationError` naming the capability, never as a silent no-op.
 */
import { ValidationError } from './errors.js';

/** How a run's staged data becomes production. */
export type RunType = 'full_drop' | 'incremental' | 'merge';

/** Every run type, in a stable order. */
export const RUN_TYPES: readonly RunType[] = ['full_drop', 'incremental', 'merge'];

/**
 * Every Arrow logical type name a store may claim to round-trip. `timestamp` covers every unit
 * with and without a time zone; `date` covers day and millisecond dates; `dictionary` covers
 * dictionary-encoded strings.
 */
export const ARROW_TYPE_NAMES = [
  'null',
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float16',
  'float32',
  'float64',
  'decimal',
  'utf8',
  'large_utf8',
  'binary',
  'large_binary',
  'fixed_size_binary',
  'date',
  'time',
  'timestamp',
  'duration',
  'interval',
  'list',
  'fixed_size_list',
  'struct',
  'map',
  'union',
  'dictionary',
] as const;

/** One of {@link ARROW_TYPE_NAMES}. */
export type ArrowTypeName = (typeof ARROW_TYPE_NAMES)[number];

/** The types of the conformance kit's round-trip section, the common ground of most stores. */
export const COMMON_ARROW_TYPES: readonly ArrowTypeName[] = [
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'decimal',
  'utf8',
  'binary',
  'date',
  'timestamp',
  'list',
  'struct',
  'dictionary',
];

/** What a store can do. Declared once per store class as a plain object. */
export interface StoreCapabilities {
  /** The run types `configureForRun` accepts. Every store supports at least one. */
  readonly runTypes: readonly RunType[];
  /**
   * `'atomic'`: readers see production before or after a commit, never a mix, at every
   * moment. `'recoverable'`: a failed or crashed commit may leave a mix until `recover()`
   * runs (on the next `connect()`), which rolls it forward.
   */
  readonly commit: 'atomic' | 'recoverable';
  /** `read()` streams committed data back. */
  readonly readBack: boolean;
  /** The record API (`get`, `insert`, `update`, `upsert`, `delete`, `list`, `count`). */
  readonly records: boolean;
  /** `forTenant(id)` views that can neither read nor write another tenant's rows. */
  readonly tenants: boolean;
  /** Deleted rows disappear from reads but stay recoverable (`restore`, `listDeleted`). */
  readonly softDelete: boolean;
  /** Nearest-neighbour `search()` over a vector column. */
  readonly vectorSearch: boolean;
  /** The staging engine exposes a fault hook (`store.faults`) that tests can arm. */
  readonly faultInjection: boolean;
  /** Several processes may write the same target at once without corrupting it. */
  readonly multiProcess: boolean;
  /** The Arrow types the store round-trips exactly. Other types are rejected on write. */
  readonly arrowTypes: readonly ArrowTypeName[];
}

/** The boolean capabilities, in the order messages and matrices list them. */
export const BOOLEAN_CAPABILITIES = [
  'readBack',
  'records',
  'tenants',
  'softDelete',
  'vectorSearch',
  'faultInjection',
  'multiProcess',
] as const;

/** The name of a boolean capability. */
export type CapabilityName = (typeof BOOLEAN_CAPABILITIES)[number];

/**
 * Throws a `ValidationError` naming `capability` when `capabilities` does not claim it.
 *
 * @example
 * requireCapability(this.capabilities, 'records', 'MemoryStore.get');
 */
export function requireCapability(
  capabilities: StoreCapabilities,
  capability: CapabilityName,
  operation: string,
): void {
  if (!capabilities[capability]) {
    throw new ValidationError(
      `${operation} needs the '${capability}' capability, which this store does not claim`,
      { details: { capability } },
    );
  }
}

/** Throws a `ValidationError` when `runType` is unknown or not claimed by the store. */
export function requireRunType(capabilities: StoreCapabilities, runType: unknown): RunType {
  if (typeof runType !== 'string' || !RUN_TYPES.includes(runType as RunType)) {
    throw new ValidationError(
      `unknown run type ${JSON.stringify(runType)}; expected one of ${RUN_TYPES.join(', ')}`,
    );
  }
  if (!capabilities.runTypes.includes(runType as RunType)) {
    throw new ValidationError(
      `run type '${runType}' is not supported by this store (it claims: ${capabilities.runTypes.join(', ')})`,
      { details: { capability: `runTypes.${runType}` } },
    );
  }
  return runType as RunType;
}
