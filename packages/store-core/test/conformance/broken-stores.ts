/**
 * Deliberately broken stores: each is the reference store with one realistic bug. The kit
 * must catch every one of them in the section named with it; a kit that passes one is broken.
 */
import {
  type ArrowInput,
  type Checkpoint,
  type CommitReport,
  ConnectionError,
  fitBatch,
  isArrowTable,
  isRecordBatch,
  type ListQuery,
  type PartToStage,
  type PublishResult,
  type Row,
  type RunInfo,
  type RunType,
  type StagedPart,
  type StoreCapabilities,
  type TenantView,
  type VectorHit,
  type VectorQuery,
  type Where,
} from '@wharf/store-core';
import {
  type Data,
  makeData,
  makeVector,
  RecordBatch,
  type Schema,
  type TimestampSecond,
  type Vector,
} from 'apache-arrow';
import {
  type ProductionTable,
  productionOf,
  ReferenceStore,
  type ReferenceStoreOptions,
  setProduction,
} from './reference-store.js';

function mapColumns(batch: RecordBatch, change: (vector: Vector) => Vector): RecordBatch {
  const children = batch.schema.fields.map((field) => change(batch.getChild(field.name)!).data[0]!);
  return new RecordBatch(
    batch.schema,
    makeData({ type: batch.data.type, length: batch.numRows, nullCount: 0, children }),
  );
}

/** Shows written rows in production at once, before finish(). Breaks isolation. */
export class VisibleBeforeCommitStore extends ReferenceStore {
  override async write(data: ArrowInput): Promise<void> {
    await super.write(data);
    const state = productionOf(this.table);
    const batches = isArrowTable(data) ? data.batches : [data as RecordBatch];
    const schema = state.schema ?? batches[0]?.schema;
    if (!schema) return;
    setProduction(this.table, {
      ...state,
      schema,
      batches: [...state.batches, ...batches.map((batch) => fitBatch(schema, batch).batch)],
    });
  }
}

/** Stages each part straight into production, as a store staging into its live table would. */
export class StagesIntoProductionStore extends ReferenceStore {
  protected override async stagePart(run: RunInfo, part: PartToStage): Promise<StagedPart> {
    const staged = await super.stagePart(run, part);
    const state = productionOf(this.table);
    const schema = state.schema ?? part.schema;
    setProduction(this.table, {
      ...state,
      schema,
      batches: [...state.batches, ...part.batches.map((batch) => fitBatch(schema, batch).batch)],
    });
    return staged;
  }
}

/** full_drop empties production, then publishes in a second step. Loses data on a fault. */
export class DeleteBeforePublishStore extends ReferenceStore {
  protected override async publish(
    run: RunInfo,
    parts: readonly StagedPart[],
    schema: Schema | undefined,
    checkpoint: Checkpoint,
  ): Promise<PublishResult> {
    const state = productionOf(this.table);
    if (run.runType === 'full_drop' && !state.runIds.has(run.runId)) {
      setProduction(this.table, { ...state, batches: [] });
      await checkpoint('publish:drop-old-rows');
    }
    return super.publish(run, parts, schema, checkpoint);
  }
}

/** Publishes without looking at the run id: a retried commit lands twice. */
export class DuplicateOnRetryStore extends ReferenceStore {
  protected override async publish(
    run: RunInfo,
    parts: readonly StagedPart[],
    schema: Schema | undefined,
  ): Promise<PublishResult> {
    const state = productionOf(this.table);
    const next = this.publishedState(
      state,
      run.runType,
      this.stagedBatches(parts, run.runId),
      schema,
    );
    setProduction(this.table, next);
    return { alreadyPublished: false };
  }
}

/** Lets a raw error of its "driver" escape when write() gets something that is not Arrow. */
export class RawErrorStore extends ReferenceStore {
  override async write(data: ArrowInput): Promise<void> {
    if (!isArrowTable(data) && !isRecordBatch(data)) {
      throw new TypeError(
        `Cannot read properties of ${data === null ? 'null' : typeof data} (reading 'schema')`,
      );
    }
    await super.write(data);
  }
}

/** Ignores validity bitmaps when staging: nulls come back as 0, '' or false. */
export class NullDroppingStore extends ReferenceStore {
  protected override stagePart(run: RunInfo, part: PartToStage): Promise<StagedPart> {
    const withoutNulls = part.batches.map((batch) =>
      mapColumns(batch, (vector) =>
        makeVector(
          vector.data.map((data: Data) =>
            data.clone(data.type, data.offset, data.length, 0, [
              data.valueOffsets,
              data.values,
              undefined,
              data.typeIds,
            ] as never),
          ),
        ),
      ),
    );
    return super.stagePart(run, { ...part, batches: withoutNulls });
  }
}

const UNITS_PER_SECOND = [1n, 1_000n, 1_000_000n, 1_000_000_000n];

/** Truncates every timestamp to whole seconds, as a driver with second precision would. */
export class TimestampTruncatingStore extends ReferenceStore {
  protected override stagePart(run: RunInfo, part: PartToStage): Promise<StagedPart> {
    const truncated = part.batches.map((batch) =>
      mapColumns(batch, (vector) => {
        if (!String(vector.type).startsWith('Timestamp')) return vector;
        const data = vector.data[0]!;
        const perSecond = UNITS_PER_SECOND[(vector.type as unknown as { unit: number }).unit] ?? 1n;
        const values = BigInt64Array.from(
          data.values as BigInt64Array,
          (value) => value - (value % perSecond),
        );
        return makeVector(
          makeData({
            type: vector.type as TimestampSecond,
            length: data.length,
            nullCount: data.nullCount,
            nullBitmap: data.nullBitmap,
            data: values,
          }),
        );
      }),
    );
    return super.stagePart(run, { ...part, batches: truncated });
  }
}

/** A tenant view whose list() and count() forget the tenant. */
export class LeakyTenantStore extends ReferenceStore {
  protected override tenantView(tenantId: string): TenantView {
    const view = super.tenantView(tenantId);
    return {
      ...view,
      list: (query: ListQuery = {}) => this.scopedList(query, {}, false),
      count: (where: Where = {}) => this.scopedCount(where, {}),
    };
  }
}

/** list() skips one row too many on every page after the first. */
export class OffByOnePaginationStore extends ReferenceStore {
  protected override page(rows: Row[], query: ListQuery): Row[] {
    const offset = query.offset ?? 0;
    return super.page(rows, { ...query, offset: offset > 0 ? offset + 1 : 0 });
  }
}

/** Never removes staged parts: staging leaks after every commit. */
export class StagingLeakStore extends ReferenceStore {
  protected override async discard(): Promise<void> {}
}

/** Claims merge, but a merge run appends like an incremental one. */
export class FalseMergeStore extends ReferenceStore {
  protected override publishedState(
    state: ProductionTable,
    runType: RunType,
    incoming: RecordBatch[],
    runSchema: Schema | undefined,
  ): ProductionTable {
    return super.publishedState(
      state,
      runType === 'merge' ? 'incremental' : runType,
      incoming,
      runSchema,
    );
  }
}

/** Puts its password into the message of a connection failure. */
export class SecretLeakStore extends ReferenceStore {
  protected override async refuseConnection(): Promise<never> {
    throw new ConnectionError(
      `${this.name}: cannot reach the backend as admin with credentials ${this.options.secret ?? ''}`,
      { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') },
    );
  }
}

/** Keeps working after close(). */
export class ZombieStore extends ReferenceStore {
  override async write(data: ArrowInput): Promise<void> {
    await this.writer.write(data);
  }
  override async finish(): Promise<CommitReport> {
    return this.writer.finish();
  }
}

/** count() still counts soft-deleted rows. */
export class SoftDeleteCountStore extends ReferenceStore {
  override async scopedCount(where: Where, scope: { tenant?: string }): Promise<number> {
    const live = await super.scopedCount(where, scope);
    return live + this.visibleRows(scope, where, true).length;
  }
}

/** Sorts euclidean hits farthest first. */
export class WrongVectorOrderStore extends ReferenceStore {
  override async scopedSearch(
    query: VectorQuery,
    scope: { tenant?: string },
  ): Promise<VectorHit[]> {
    if (query.metric !== 'euclidean') return super.scopedSearch(query, scope);
    const all = await super.scopedSearch({ ...query, k: Number.MAX_SAFE_INTEGER }, scope);
    return all.reverse().slice(0, query.k);
  }
}

/** Publishes by read, pause, write: concurrent commits overwrite each other. */
export class LostUpdateStore extends ReferenceStore {
  protected override async publish(
    run: RunInfo,
    parts: readonly StagedPart[],
    schema: Schema | undefined,
  ): Promise<PublishResult> {
    const state = productionOf(this.table);
    if (state.runIds.has(run.runId)) return { alreadyPublished: true };
    const next = this.publishedState(
      state,
      run.runType,
      this.stagedBatches(parts, run.runId),
      schema,
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    setProduction(this.table, { ...next, runIds: new Set([...state.runIds, run.runId]) });
    return { alreadyPublished: false };
  }
}

/** Declares a commit mode that does not exist. */
export class MalformedCapabilitiesStore extends ReferenceStore {
  constructor(options: ReferenceStoreOptions) {
    super(options, { commit: 'eventually' } as unknown as Partial<StoreCapabilities>);
  }
}
