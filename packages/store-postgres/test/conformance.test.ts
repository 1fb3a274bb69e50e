/**
 * The conformance kit against the PostgreSQL store. Production is read by an independent
 * `pg.Client` (plain SQL, with the driver's text values turned into exact ones), staging is
 * counted in the catalog, and the cross-process checks spawn the built package.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ConformanceContext, SectionId } from '@wharf/store-core/conformance';
import { describeConformance } from '@wharf/store-core/conformance';
import pg from 'pg';
import { inject } from 'vitest';
// @ts-expect-error: a plain JavaScript module shared with the child processes.
import { createStore } from './fixtures/conformance-factory.mjs';

const url = inject('wharf.postgresUrl');
process.env.WHARF_CONFORMANCE_POSTGRES_URL = url;

const TIMESTAMPTZ = 1184;
const exact = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    switch (oid) {
      case 20: // bigint: every digit
        return (value) => BigInt(value);
      case 700: // real: the float32 value the text stands for
        return (value) => Math.fround(Number.parseFloat(value));
      case 1082: // date: 'YYYY-MM-DD' (a Date would be local midnight)
      case 1114: // timestamp: microseconds kept
        return (value) => value;
      case TIMESTAMPTZ: // the session runs in UTC: '+00' is 'Z'
        return (value) => value.replace(' ', 'T').replace(/\+00$/, 'Z');
      default:
        return pg.types.getTypeParser(oid, format as 'text');
    }
  },
};

async function withClient<T>(action: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, types: exact as pg.CustomTypesConfig });
  await client.connect();
  try {
    await client.query(`SET TimeZone = 'UTC'`);
    return await action(client);
  } finally {
    await client.end();
  }
}

async function inspect(context: ConformanceContext): Promise<Record<string, unknown>[]> {
  return withClient(async (client) => {
    const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [
      `public.${context.table}`,
    ]);
    if (!exists.rows[0]?.present) return [];
    return (await client.query(`SELECT * FROM public."${context.table}"`)).rows;
  });
}

async function inspectStaging(context: ConformanceContext): Promise<number> {
  const prefix = `wharf_stage_${createHash('sha256').update(context.table).digest('hex').slice(0, 16)}_`;
  return withClient(async (client) => {
    const result = await client.query<{ tables: number; journal: number }>(
      `SELECT (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public' AND starts_with(tablename, $1)) AS tables,
              CASE WHEN to_regclass('public.wharf_journal') IS NULL THEN 0
                   ELSE (SELECT count(*)::int FROM public.wharf_journal WHERE table_name = $2) END AS journal`,
      [prefix, context.table],
    );
    const row = result.rows[0]!;
    return row.tables + row.journal;
  });
}

// WHARF_CONFORMANCE_SECTIONS=fault-sweep,errors runs only those sections (the rest report not-claimed).
const sections = process.env.WHARF_CONFORMANCE_SECTIONS?.split(',') as SectionId[] | undefined;

await describeConformance({
  name: '@wharf/store-postgres',
  ...(sections ? { sections } : {}),
  createStore,
  inspect,
  inspectStaging,
  spawn: {
    module: fileURLToPath(new URL('./fixtures/conformance-factory.mjs', import.meta.url)),
    env: { WHARF_CONFORMANCE_POSTGRES_URL: url },
  },
});
