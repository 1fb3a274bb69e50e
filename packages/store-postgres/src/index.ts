/**
 * `@wharf/store-postgres`: a wharf store on PostgreSQL. Arrow batches are staged with binary
 * `COPY` into an unlogged staging table and published in one transaction, exactly once.
 */
export type {
  Migration,
  MigrationClient,
  MigrationReport,
} from './postgres-migrations.js';
export type {
  PostgresConnectionConfig,
  PostgresPool,
  PostgresPoolClient,
  PostgresPoolOptions,
  PostgresStoreOptions,
} from './postgres-options.js';
export { PostgresStore } from './postgres-store.js';
export { POSTGRES_ARROW_TYPES } from './postgres-types.js';
