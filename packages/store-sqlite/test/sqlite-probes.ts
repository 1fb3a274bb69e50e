/**
 * Independent probes of a SQLite store's database file: they open it with their own
 * better-sqlite3 connection and read production and the staging bookkeeping with plain SQL,
 * decoding values from the storage format (the README's mapping table) without the store's
 * own read path.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Row } from '@wharf/store-core';
import { type DataType, type Field, tableFromIPC } from 'apache-arrow';
import Database from 'better-sqlite3';

function open(filename: string): Database.Database | undefined {
  if (!existsSync(filename)) return undefined;
  return new Database(filename, { fileMustExist: true, timeout: 5000 });
}

function tableExists(db: Database.Database, name: string): boolean {
  return (
    db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !==
    undefined
  );
}

interface TypeShape {
  typeId: number;
  unit?: number;
  bitWidth?: number;
  isSigned?: boolean;
  children?: Field[];
  dictionary?: DataType;
}

/** A stored SQLite value as the plain value of its Arrow type. */
function plain(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  const shape = type as unknown as TypeShape;
  switch (shape.typeId) {
    case 2: // int
      return shape.bitWidth === 64 && !shape.isSigned ? BigInt.asUintN(64, value as bigint) : value;
    case 3: // float: NaN and -0 are stored as their 8 IEEE-754 bytes
      return value instanceof Uint8Array ? Buffer.from(value).readDoubleLE(0) : value;
    case 6: // bool
      return value === 1n || value === 1;
    case 8: // date: days or milliseconds
      return shape.unit === 0 ? BigInt(value as bigint) * 86_400_000n : value;
    case 12: // list
    case 16: // fixed-size list
      return (JSON.parse(value as string) as unknown[]).map((item) =>
        nested(item, shape.children![0]!.type),
      );
    case 13: {
      // struct
      const object = JSON.parse(value as string) as Record<string, unknown>;
      return Object.fromEntries(
        shape.children!.map((field) => [field.name, nested(object[field.name], field.type)]),
      );
    }
    default:
      return value;
  }
}

/** A value inside a list or struct (JSON) as the plain value of its Arrow type. */
function nested(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  const shape = type as unknown as TypeShape;
  if (shape.typeId === 12 || shape.typeId === 13 || shape.typeId === 16) {
    return plain(JSON.stringify(value), type);
  }
  if (shape.typeId === 4 || shape.typeId === 15 || shape.typeId === 19) {
    return Buffer.from(value as string, 'base64');
  }
  if (shape.typeId === 3 && typeof value === 'string') return Number(value);
  if (shape.typeId === 8 && shape.unit === 0) return BigInt(value as number) * 86_400_000n;
  return value;
}

/** The live rows of `table` in `filename`, read with plain SQL. */
export function readProductionRows(filename: string, table: string): Row[] {
  const db = open(filename);
  if (!db) return [];
  try {
    if (!tableExists(db, table)) return [];
    const stored = db
      .prepare(`SELECT arrow_schema FROM _wharf_schema WHERE table_name = ?`)
      .get(table) as { arrow_schema: string } | undefined;
    if (!stored) throw new Error(`no stored schema for ${table}`);
    const fields = tableFromIPC(Buffer.from(stored.arrow_schema, 'base64')).schema.fields;
    const rows = db
      .prepare(`SELECT * FROM "${table}" WHERE _wharf_deleted_at IS NULL ORDER BY rowid`)
      .safeIntegers(true)
      .all() as Row[];
    return rows.map((row) =>
      Object.fromEntries(fields.map((field) => [field.name, plain(row[field.name], field.type)])),
    );
  } finally {
    db.close();
  }
}

/** Staging files of `table` next to `filename`: `<file>-wharf-stage-<table hash>-<run hash>`. */
function countStagingFiles(filename: string, table: string): number {
  const tableHash = createHash('sha256').update(table).digest('hex').slice(0, 8);
  const prefix = `${basename(filename)}-wharf-stage-${tableHash}-`;
  return readdirSync(dirname(filename)).filter((name) => name.startsWith(prefix)).length;
}

/**
 * Staging tables, staging files, staging registrations and journal entries of `table` in
 * `filename`.
 */
export function countStagingArtefacts(filename: string, table: string): number {
  const files = existsSync(dirname(filename)) ? countStagingFiles(filename, table) : 0;
  const db = open(filename);
  if (!db) return files;
  try {
    const pattern = new RegExp(`^_wharf_stage_${table}_[0-9a-f]{12}$`);
    const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as {
      name: string;
    }[];
    let count = files + names.filter((entry) => pattern.test(entry.name)).length;
    for (const bookkeeping of ['_wharf_journal', '_wharf_staging']) {
      if (!tableExists(db, bookkeeping)) continue;
      const row = db
        .prepare(`SELECT count(*) AS count FROM ${bookkeeping} WHERE table_name = ?`)
        .get(table) as { count: number };
      count += row.count;
    }
    return count;
  } finally {
    db.close();
  }
}
