/**
 * Versioned schema migrations. Versions run in order, each in its own transaction together
 * with its row in `wharf_migrations`, so a failed migration leaves the schema as the previous
 * one left it. A session advisory lock keeps two processes from migrating at once.
 */
import { MigrationError, ValidationError } from '@wharf/store-core';
import { metaTable, type PostgresTarget } from './postgres-catalog.js';
import { inTransaction, type Lease } from './postgres-connection.js';
import { isConnectionFailure } from './postgres-errors.js';
import { quoteIdentifier } from './postgres-sql.js';

/** What a migration function receives: a client inside the migration's transaction. */
export interface MigrationClient {
  /** Runs one statement (several when `values` is absent), returning its rows. */
  query(
    sql: string,
    values?: readonly unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number }>;
}

/** One versioned schema change. */
export interface Migration {
  /** 1, 2, 3, … without gaps. */
  readonly version: number;
  /** A name recorded with the version; changing it later is an error. */
  readonly name: string;
  /** SQL (several statements allowed) or a function of a client in the migration's transaction. */
  readonly up: string | ((client: MigrationClient) => Promise<void>);
}

/** What `migrate()` did. */
export interface MigrationReport {
  /** Versions applied by this call, in order. */
  readonly applied: readonly { readonly version: number; readonly name: string }[];
  /** The highest version applied now (0 when none). */
  readonly version: number;
}

function validate(migrations: readonly Migration[], name: string): Migration[] {
  if (!Array.isArray(migrations)) throw new ValidationError(`${name}: migrate() expects an array`);
  for (const migration of migrations) {
    if (!Number.isInteger(migration?.version) || migration.version < 1) {
      throw new ValidationError(`${name}: a migration version must be a positive integer`);
    }
    if (typeof migration.name !== 'string' || migration.name.trim() === '') {
      throw new ValidationError(`${name}: migration ${migration.version} needs a name`);
    }
    if (typeof migration.up !== 'string' && typeof migration.up !== 'function') {
      throw new ValidationError(
        `${name}: migration ${migration.version} needs up (SQL or a function)`,
      );
    }
  }
  const sorted = [...migrations].sort((left, right) => left.version - right.version);
  sorted.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new MigrationError(
        `${name}: migration versions must run 1, 2, 3… without gaps or duplicates; found ${migration.version} where ${index + 1} belongs`,
        { details: { version: migration.version } },
      );
    }
  });
  return sorted;
}

/** Applies the pending migrations on `leased`. */
export async function runMigrations(
  leased: Lease,
  target: PostgresTarget,
  migrations: readonly Migration[],
): Promise<MigrationReport> {
  const sorted = validate(migrations, target.name);
  const client = leased.client;
  const history = metaTable(target, 'migrations');
  const lockKey = `wharf:migrations:${target.pgSchema}`;
  await client.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [lockKey]);
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${history} (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const recorded = await client.query<{ version: number; name: string }>(
      `SELECT version, name FROM ${history} ORDER BY version`,
    );
    for (const row of recorded.rows) {
      const known = sorted[row.version - 1];
      if (!known) {
        throw new MigrationError(
          `${target.name}: the database has migration ${row.version} ('${row.name}'), which this list does not know`,
          { details: { version: row.version } },
        );
      }
      if (known.name !== row.name) {
        throw new MigrationError(
          `${target.name}: migration ${row.version} was applied as '${row.name}' but is now named '${known.name}'`,
          { details: { version: row.version } },
        );
      }
    }
    const applied: { version: number; name: string }[] = [];
    const migrationClient: MigrationClient = {
      query: async (sql, values) => {
        const result = await client.query(sql, values === undefined ? undefined : [...values]);
        return { rows: result.rows, rowCount: result.rowCount ?? 0 };
      },
    };
    for (const migration of sorted.slice(recorded.rows.length)) {
      try {
        await inTransaction(leased, async () => {
          await client.query(
            `SET LOCAL search_path TO ${quoteIdentifier(target.pgSchema, 'schema name')}, public`,
          );
          if (typeof migration.up === 'string') await client.query(migration.up);
          else await migration.up(migrationClient);
          await client.query(`INSERT INTO ${history} (version, name) VALUES ($1, $2)`, [
            migration.version,
            migration.name,
          ]);
        });
      } catch (error) {
        throw new MigrationError(
          `${target.name}: migration ${migration.version} ('${migration.name}') failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
            retryable: isConnectionFailure(error),
            secrets: target.secrets,
            details: { version: migration.version },
          },
        );
      }
      applied.push({ version: migration.version, name: migration.name });
    }
    return { applied, version: sorted.length };
  } finally {
    if (!leased.broken) {
      await client
        .query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [lockKey])
        .catch(() => {
          leased.broken = true;
        });
    }
  }
}
