/** A tenant's view of a Redis store: every call sees and changes only that tenant's rows. */
import type {
  ListQuery,
  RecordKey,
  Row,
  TenantView,
  VectorHit,
  VectorQuery,
  Where,
} from '@wharf/store-core';
import type { RedisRecords, Scope } from './redis-records.js';

/** Runs a record operation of the store within a scope (checks the store is open, tracks it). */
export type ScopedRunner = <T>(
  operation: string,
  scope: Scope,
  action: (scope: Scope) => Promise<T>,
) => Promise<T>;

/** The view `RedisStore.forTenant()` returns. */
export class RedisTenantView implements TenantView {
  readonly tenantId: string;
  readonly #records: RedisRecords;
  readonly #scoped: ScopedRunner;

  constructor(tenantId: string, records: RedisRecords, scoped: ScopedRunner) {
    this.tenantId = tenantId;
    this.#records = records;
    this.#scoped = scoped;
  }

  get(key: RecordKey): Promise<Row | undefined> {
    return this.#run('get', (scope) => this.#records.get(key, scope));
  }
  insert(row: Row): Promise<void> {
    return this.#run('insert', (scope) => this.#records.insert(row, scope));
  }
  update(key: RecordKey, patch: Row): Promise<Row> {
    return this.#run('update', (scope) => this.#records.update(key, patch, scope));
  }
  upsert(row: Row): Promise<void> {
    return this.#run('upsert', (scope) => this.#records.upsert(row, scope));
  }
  delete(key: RecordKey): Promise<boolean> {
    return this.#run('delete', (scope) => this.#records.delete(key, scope));
  }
  list(query: ListQuery = {}): Promise<Row[]> {
    return this.#run('list', (scope) => this.#records.list(query, scope, false));
  }
  count(where: Where = {}): Promise<number> {
    return this.#run('count', (scope) => this.#records.count(where, scope));
  }
  restore(key: RecordKey): Promise<void> {
    return this.#run('restore', (scope) => this.#records.restore(key, scope));
  }
  listDeleted(query: ListQuery = {}): Promise<Row[]> {
    return this.#run('listDeleted', (scope) => this.#records.list(query, scope, true));
  }
  search(query: VectorQuery): Promise<VectorHit[]> {
    return this.#run('search', (scope) => this.#records.search(query, scope));
  }

  #run<T>(operation: string, action: (scope: Scope) => Promise<T>): Promise<T> {
    return this.#scoped(operation, { tenant: this.tenantId }, action);
  }
}
