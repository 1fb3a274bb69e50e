/**
 * `@wharf/store-core`: the store contract, typed errors, capabilities, the staged-write
 * engine, the retry runner, the in-memory reference store, and the schema, record-query and
 * vector helpers that backends share with it.
 */

/** The version of the store contract this package implements. */
export const CONTRACT_VERSION = 1;

export {
  type ArrowInput,
  batchBytes,
  isArrowTable,
  isRecordBatch,
  toRecordBatches,
} from './arrow-input.js';
export { arrowTypeName, assertSupportedTypes, typeNamesOf } from './arrow-types.js';
export { assertStore, STORE_METHODS } from './assert-store.js';
export { type BackoffOptions, backoffDelay } from './backoff.js';
export {
  ARROW_TYPE_NAMES,
  type ArrowTypeName,
  BOOLEAN_CAPABILITIES,
  type CapabilityName,
  COMMON_ARROW_TYPES,
  RUN_TYPES,
  type RunType,
  requireCapability,
  requireRunType,
  type StoreCapabilities,
} from './capabilities.js';
export {
  type FaultHook,
  type FaultMode,
  type FaultPlan,
  faultPlanFromEnvironment,
  InjectedFault,
  SimulatedCrash,
  type StepRecord,
} from './engine/fault-hook.js';
export type { JournalEntry, RunInfo, RunOwner, StagedPart } from './engine/journal.js';
export {
  type Checkpoint,
  decodeSchema,
  encodeSchema,
  type PartToStage,
  type PublishResult,
  type StagedRunInfo,
  StagedWriter,
  type StagedWriterOptions,
  type StagingPrimitives,
  type StagingSnapshot,
  validateRunId,
} from './engine/staged-writer.js';
export {
  CommitError,
  ConflictError,
  ConnectionError,
  ERROR_CLASSES,
  ERROR_CODES,
  IntegrityError,
  isRetryable,
  MigrationError,
  NETWORK_ERROR_CODES,
  NotFoundError,
  QueryError,
  StagingError,
  StoreError,
  type StoreErrorCode,
  type StoreErrorOptions,
  TRANSIENT_HTTP_STATUSES,
  ValidationError,
} from './errors.js';
export { assertIdentifier } from './identifiers.js';
export {
  countMemoryStaging,
  MemoryStore,
  type MemoryStoreOptions,
  readMemoryProduction,
} from './memory/memory-store.js';
export type { LatencySummary, MetricsSnapshot, OperationMetrics } from './metrics.js';
export {
  checkWhere,
  compareValues,
  describeKey,
  isColumnCondition,
  keyRow,
  matchesWhere,
  orderTerms,
  pageBounds,
  rowComparator,
  toPlain,
} from './record-query.js';
export {
  type ColumnCondition,
  type KeyValue,
  keyColumns,
  type ListQuery,
  type OrderBy,
  type RecordApi,
  type RecordKey,
  type RecordOptions,
  type Row,
  type VectorHit,
  type VectorMetric,
  type VectorQuery,
  type Where,
} from './records.js';
export { redact, redactUrl } from './redact.js';
export {
  type BatchSource,
  type FlowProgress,
  type FlowReport,
  type RunFlowOptions,
  runFlow,
} from './run-flow.js';
export {
  batchFromColumns,
  type FittedBatch,
  fitBatch,
  type SchemaEvolution,
  type SchemaOptions,
  schemaFromRow,
  type WidenedSchema,
  type WidenOptions,
  widenOptionalSchema,
  widenSchema,
} from './schema-policy.js';
export { type EngineCall, StagedStore } from './staged-store.js';
export {
  type CommitReport,
  type ConnectOptions,
  type HealthReport,
  type ReadOptions,
  type RecoveryReport,
  type RunSettings,
  Store,
  type StoreDescription,
  type TenantView,
} from './store.js';
export { vectorScore } from './vector-score.js';
