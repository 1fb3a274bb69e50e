/**
 * `RedisStore`: Arrow loads into Redis or Redis Cluster, built on store-core's staged-write
 * engine. Rows are hashes under versioned keys, a sorted set per version orders them, and a
 * `current` pointer names the version production reads: a load stages where readers do not
 * look and is published by one script. The README documents the key layout.
 */
import {
  type ArrowTypeName,
  COMMON_ARROW_TYPES,
  ConnectionError,
  type EngineCall,
  type ListQuery,
  type ReadOptions,
  type RecordKey,
  type Row,
  StagedStore,
  StagedWriter,
  type StoreCapabilities,
  type StoreDescription,
  type TenantView,
  ValidationError,
  type VectorHit,
  type VectorQuery,
  type Where,
} from '@wharf/store-core';
import { type RecordBatch, Schema } from 'apache-arrow';
import { batchFromCells, type RowCells } from './redis-batch-codec.js';
import {
  createClient,
  isCluster,
  noServerError,
  openClient,
  type RedisClient,
  ScriptRunner,
  secretsOf,
} from './redis-connection.js';
import type { RedisContext } from './redis-context.js';
import { toStoreError } from './redis-errors.js';
import { KeySpace } from './redis-key-space.js';
import { type RedisStoreOptions, type ResolvedOptions, resolveOptions } from './redis-options.js';
import { RedisRecords, type Scope } from './redis-records.js';
import { readProduction, scanRows } from './redis-scan.js';
import { SchemaCache } from './redis-schemas.js';
import { RedisStaging } from './redis-staging.js';
import { RedisTenantView } from './redis-tenant-view.js';

/** The Arrow types a Redis store round-trips exactly (see the README's type mapping). */
export const REDIS_ARROW_TYPES: readonly ArrowTypeName[] = [
  ...COMMON_ARROW_TYPES,
  'null',
  'float16',
  'large_utf8',
  'large_binary',
  'fixed_size_binary',
  'time',
  'duration',
  'fixed_size_list',
  'map',
];

/** Rows per batch that `read()` yields. */
const READ_BATCH_ROWS = 8192;

/**
 * A wharf store on Redis or Redis Cluster.
 *
 * @example
 * import { runFlow } from '@wharf/store-core';
 * import { RedisStore } from '@wharf/store-redis';
 *
 * await using store = new RedisStore({ url: 'redis://127.0.0.1:6379', table: 'trips', key: 'id' });
 * await runFlow([trips], store, { runType: 'full_drop' });
 * console.log(await store.get(2)); // { id: 2n, city: 'Lyon' }
 */
export class RedisStore extends StagedStore {
  readonly capabilities: StoreCapabilities;
  readonly name: string;
  readonly #options: RedisStoreOptions;
  readonly #resolved: ResolvedOptions;
  readonly #secrets: string[];
  readonly #keys: KeySpace;
  readonly #context: RedisContext;
  readonly #records: RedisRecords;
  protected readonly writer: StagedWriter;
  #client: RedisClient | undefined;
  #ownsClient = true;

  constructor(options: RedisStoreOptions) {
    super();
    this.#resolved = resolveOptions(options);
    this.#options = options;
    this.#secrets = secretsOf(options);
    this.name = `redis:${this.#resolved.table}`;
    this.#keys = new KeySpace(this.#resolved.prefix, this.#resolved.table);
    this.capabilities = {
      runTypes: ['full_drop', 'incremental', 'merge'],
      commit: 'atomic',
      readBack: true,
      records: true,
      tenants: true,
      softDelete: true,
      vectorSearch: true,
      faultInjection: true,
      multiProcess: true,
      arrowTypes: REDIS_ARROW_TYPES,
    };
    const keys = this.#keys;
    const call = <T>(operation: string, action: () => Promise<T>) => this.#call(operation, action);
    const client = () => this.#connectedClient();
    this.#context = {
      name: this.name,
      keys,
      scripts: new ScriptRunner(client, keys.current),
      schemas: new SchemaCache(keys, (hash) =>
        call('readSchema', () => client().hget(keys.schemas, hash)),
      ),
      keyColumns: this.#resolved.key,
      ttlMs: this.#resolved.ttlMs,
      pipelineBatch: this.#resolved.pipelineBatch,
      pipelineDepth: this.#resolved.pipelineDepth,
      maxScriptRows: this.#resolved.maxScriptRows,
      addColumns: options.schemaEvolution === 'add-columns',
      client,
      call,
    };
    this.#records = new RedisRecords(this.#context, {
      softDelete: options.softDelete === true,
      ...(options.tenantColumn !== undefined ? { tenantColumn: options.tenantColumn } : {}),
      ...(options.schema ? { schema: options.schema } : {}),
    });
    this.writer = new StagedWriter({
      name: this.name,
      capabilities: this.capabilities,
      primitives: new RedisStaging(this.#context),
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.schemaEvolution ? { schemaEvolution: options.schemaEvolution } : {}),
      ...(options.runType ? { runType: options.runType } : {}),
      ...(options.partRows ? { partRows: options.partRows } : {}),
      ...(options.partBytes ? { partBytes: options.partBytes } : {}),
      ...(options.staleRunAfterMs ? { staleRunAfterMs: options.staleRunAfterMs } : {}),
    });
  }

  /** The hash tag every key of this store starts with, e.g. `{wharf:trips}`. */
  get keyTag(): string {
    return this.#keys.base;
  }

  /**
   * Uses `pool`, an ioredis `Redis` or `Cluster` client, instead of opening a connection from
   * `url` or `cluster`. Call it before `connect()`. The store leaves the client open on
   * `close()`; the client's own options apply (consider `enableOfflineQueue: false`).
   */
  override setPool(pool: unknown): void {
    if (this.#client) {
      throw new ValidationError(`${this.name}: setPool() must be called before connect()`);
    }
    const candidate = pool as { call?: unknown; callBuffer?: unknown } | null;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      typeof candidate.call !== 'function' ||
      typeof candidate.callBuffer !== 'function'
    ) {
      throw new ValidationError(
        `${this.name}: setPool() expects an ioredis Redis or Cluster client`,
      );
    }
    this.#client = pool as RedisClient;
    this.#ownsClient = false;
  }

  /**
   * Engine calls: `finish()` invalidates the record cache whatever happens; cleanup and
   * recovery first wait (up to `connectTimeout`) for a dropped client to reconnect, so that a
   * retry that follows a brief outage starts clean.
   */
  protected override async runEngine<T>(call: EngineCall, action: () => Promise<T>): Promise<T> {
    if (call === 'finish') {
      try {
        return await action();
      } finally {
        this.#records.invalidate();
      }
    }
    if (call === 'cleanupStaging' || call === 'recover') await this.#whenReady(call);
    return action();
  }

  protected override get mergeKey(): readonly string[] {
    return this.#resolved.key;
  }

  override async describe(): Promise<StoreDescription> {
    this.assertOpen('describe');
    const keys = this.#keys;
    const client = this.#connectedClient();
    const production = await readProduction(this.#context, 'describe');
    const version = production.version;
    const [rows, softDeleted, committedRuns, retired] = await this.#call('describe', () =>
      Promise.all([
        version ? client.zcard(keys.index(version)) : 0,
        version ? client.zcard(keys.deleted(version)) : 0,
        client.zrange(keys.runs, '0', '-1'),
        client.scard(keys.retired),
      ]),
    );
    return {
      name: this.name,
      capabilities: this.capabilities,
      ...(production.schema ? { schema: production.schema } : {}),
      ...(this.#resolved.ttlMs === 0 ? { rows } : {}),
      committedRuns,
      staging: await this.stagingSnapshot(),
      details: {
        keyTag: keys.base,
        version: version ?? null,
        softDeleted,
        retiredVersions: retired,
        mode: isCluster(client) ? 'cluster' : 'standalone',
      },
    };
  }

  override async *read(options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    this.assertOpen('read');
    const production = await readProduction(this.#context, 'read');
    if (!production.schema || !production.version) return;
    const schema = production.schema;
    for (const name of options.columns ?? []) {
      if (!schema.fields.some((field) => field.name === name)) {
        throw new ValidationError(`read: unknown column '${name}'`);
      }
    }
    const fields = options.columns
      ? options.columns.map((name) => schema.fields.find((field) => field.name === name)!)
      : schema.fields;
    const projected = options.columns ? new Schema(fields, schema.metadata) : schema;
    let pending: RowCells[] = [];
    for await (const rows of scanRows(this.#context, {
      version: production.version,
      from: 'index',
      fields: fields.map((field) => field.name),
      operation: 'read',
    })) {
      for (const row of rows) pending.push(row.cells);
      if (pending.length >= READ_BATCH_ROWS) {
        yield batchFromCells(projected, pending, `${this.name}.read()`);
        pending = [];
      }
    }
    if (pending.length > 0) yield batchFromCells(projected, pending, `${this.name}.read()`);
  }

  override forTenant(tenantId: string): TenantView {
    if (this.#options.tenantColumn === undefined) {
      throw new ValidationError(`${this.name}: tenant views need the tenantColumn option`);
    }
    if (typeof tenantId !== 'string' || tenantId === '') {
      throw new ValidationError('forTenant() needs a non-empty tenant id');
    }
    return new RedisTenantView(tenantId, this.#records, (operation, scope, action) =>
      this.#scoped(operation, scope, action),
    );
  }

  override get(key: RecordKey): Promise<Row | undefined> {
    return this.#scoped('get', {}, (scope) => this.#records.get(key, scope));
  }
  override insert(row: Row): Promise<void> {
    return this.#scoped('insert', {}, (scope) => this.#records.insert(row, scope));
  }
  override update(key: RecordKey, patch: Row): Promise<Row> {
    return this.#scoped('update', {}, (scope) => this.#records.update(key, patch, scope));
  }
  override upsert(row: Row): Promise<void> {
    return this.#scoped('upsert', {}, (scope) => this.#records.upsert(row, scope));
  }
  override delete(key: RecordKey): Promise<boolean> {
    return this.#scoped('delete', {}, (scope) => this.#records.delete(key, scope));
  }
  override list(query: ListQuery = {}): Promise<Row[]> {
    return this.#scoped('list', {}, (scope) => this.#records.list(query, scope, false));
  }
  override count(where: Where = {}): Promise<number> {
    return this.#scoped('count', {}, (scope) => this.#records.count(where, scope));
  }
  override restore(key: RecordKey): Promise<void> {
    return this.#scoped('restore', {}, (scope) => this.#records.restore(key, scope));
  }
  override listDeleted(query: ListQuery = {}): Promise<Row[]> {
    return this.#scoped('listDeleted', {}, (scope) => this.#records.list(query, scope, true));
  }
  override search(query: VectorQuery): Promise<VectorHit[]> {
    return this.#scoped('search', {}, (scope) => this.#records.search(query, scope));
  }

  protected override async onConnect(): Promise<void> {
    if (!this.#client) {
      const created = createClient(this.#options);
      if (!created) throw noServerError(this.name);
      created.on('error', () => {
        // Connection errors reach the caller through the failing command; without a listener
        // ioredis would print them (and the URL they came from) to the console.
      });
      if (isCluster(created)) created.on('node error', () => {});
      this.#client = created;
      this.#ownsClient = true;
    }
    const client = this.#client;
    // ioredis rejects connect() with a bare "Connection is closed."; the reason (a refused
    // connection, a wrong password) comes as an 'error' event.
    let reason: unknown;
    const onError = (error: unknown) => {
      reason = error;
    };
    client.on('error', onError);
    try {
      await openClient(client);
    } catch (error) {
      if (this.#ownsClient) this.#client = undefined;
      throw toStoreError(reason ?? error, {
        store: this.name,
        operation: 'connect',
        secrets: this.#secrets,
      });
    } finally {
      client.off('error', onError);
    }
  }

  protected override async onClose(): Promise<void> {
    try {
      await super.onClose();
    } finally {
      this.#release();
    }
  }

  protected override async ping(): Promise<Record<string, unknown>> {
    const client = this.#connectedClient();
    await this.#call('health', () => client.ping());
    return { mode: isCluster(client) ? 'cluster' : 'standalone', keyTag: this.#keys.base };
  }

  #release(): void {
    const client = this.#client;
    if (client && this.#ownsClient) {
      client.disconnect();
      this.#client = undefined;
    }
  }

  /** Runs a record operation within `scope`, tracked in the metrics. */
  async #scoped<T>(
    operation: string,
    scope: Scope,
    action: (scope: Scope) => Promise<T>,
  ): Promise<T> {
    this.assertOpen(operation);
    return this.writer.metrics.track(operation, () => action(scope));
  }

  /** Waits for a reconnecting client to be ready again, at most `connectTimeout`. */
  async #whenReady(operation: string): Promise<void> {
    const client = this.#connectedClient();
    if (client.status === 'ready') return;
    const timeoutMs = this.#options.redisOptions?.connectTimeout ?? 10_000;
    const failure = () =>
      new ConnectionError(
        `${this.name}: ${operation}() found the connection down and it did not come back within ${timeoutMs} ms`,
        { details: { status: client.status } },
      );
    if (client.status === 'end') throw failure();
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('end', onEnd);
      };
      const onReady = () => {
        done();
        resolve();
      };
      const onEnd = () => {
        done();
        reject(failure());
      };
      const timer = setTimeout(onEnd, timeoutMs);
      client.once('ready', onReady);
      client.once('end', onEnd);
    });
  }

  #connectedClient(): RedisClient {
    if (!this.#client) throw new ConnectionError(`${this.name} is not connected`);
    return this.#client;
  }

  async #call<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw toStoreError(error, { store: this.name, operation, secrets: this.#secrets });
    }
  }
}
