/**
 * An independent reader of what a Redis store holds, written from the README's key layout and
 * type mapping rather than through the store: its own ioredis client, `GET current`, the
 * version's index, `HGETALL` per row, and its own decoding of each field.
 */
import { decodeSchema } from '@wharf/store-core';
import type { DataType, Field, Schema } from 'apache-arrow';
import { Cluster, Redis } from 'ioredis';

/** Where a test's Redis is. */
export type Target =
  | { readonly kind: 'standalone'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly { host: string; port: number }[] };

/** A fresh client of the target (the caller disconnects it). */
export function probeClient(target: Target): Redis | Cluster {
  return target.kind === 'standalone'
    ? new Redis(target.url, { lazyConnect: false })
    : new Cluster([...target.nodes], { lazyConnect: false });
}

const MS_PER_DAY = 86_400_000;

function typeId(type: DataType): number {
  return (type as unknown as { typeId: number }).typeId;
}

function decodeJson(type: DataType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const shape = type as unknown as {
    typeId: number;
    bitWidth?: number;
    unit?: number;
    children?: Field[];
    dictionary?: DataType;
  };
  switch (shape.typeId) {
    case 2:
      return shape.bitWidth === 64 ? BigInt(value as string) : value;
    case 8:
      return shape.unit === 0 ? (value as number) * MS_PER_DAY : Number(value);
    case 10:
    case 18:
      return BigInt(value as string);
    case 4:
    case 15:
    case 19:
      return Buffer.from(value as string, 'base64');
    case 12:
    case 16:
      return (value as unknown[]).map((item) => decodeJson(shape.children![0]!.type, item));
    case 13: {
      const object: Record<string, unknown> = {};
      for (const field of shape.children ?? []) {
        object[field.name] = decodeJson(field.type, (value as Record<string, unknown>)[field.name]);
      }
      return object;
    }
    default:
      return value;
  }
}

/** One field value as the plain value the kit's normalizer understands. */
export function decodeField(type: DataType, raw: Buffer): unknown {
  const text = raw.toString('utf8');
  const shape = type as unknown as { bitWidth?: number; unit?: number; dictionary?: DataType };
  switch (typeId(type)) {
    case 2:
      return shape.bitWidth === 64 ? BigInt(text) : Number(text);
    case 3:
      return Number(text);
    case 6:
      return text === 'true';
    case 4:
    case 15:
    case 19:
      return raw;
    case 8:
      return shape.unit === 0 ? Number(text) * MS_PER_DAY : Number(text);
    case 9:
    case 10:
    case 18:
      return BigInt(text);
    case 12:
    case 13:
    case 16:
    case 17:
      return decodeJson(type, JSON.parse(text));
    case -1:
      return decodeField(shape.dictionary!, raw);
    default:
      return text;
  }
}

/** The production rows of `{prefix:table}`, in index order, read straight from Redis. */
export async function readProductionRows(
  client: Redis | Cluster,
  prefix: string,
  table: string,
): Promise<{ schema: Schema | undefined; rows: Record<string, unknown>[] }> {
  const base = `{${prefix}:${table}}`;
  const current = await client.get(`${base}:current`);
  if (current === null) return { schema: undefined, rows: [] };
  const encoded = await client.hget(`${base}:v${current}:meta`, 'schema');
  const schema = encoded ? decodeSchema(encoded) : undefined;
  const members = await client.zrangeBuffer(`${base}:v${current}:index`, '0', '-1');
  const rows: Record<string, unknown>[] = [];
  for (let start = 0; start < members.length; start += 1000) {
    const pipeline = client.pipeline();
    for (const member of members.slice(start, start + 1000)) {
      pipeline.hgetallBuffer(Buffer.concat([Buffer.from(`${base}:v${current}:row:`), member]));
    }
    for (const [error, fields] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      const hash = fields as Record<string, Buffer>;
      if (Object.keys(hash).length === 0) continue;
      const row: Record<string, unknown> = {};
      for (const field of schema?.fields ?? []) {
        const raw = hash[field.name];
        row[field.name] = raw === undefined ? null : decodeField(field.type, raw);
      }
      rows.push(row);
    }
  }
  return { schema, rows };
}

async function keysOf(client: Redis | Cluster, pattern: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/**
 * Staging artefacts of `{prefix:table}`: keys under `stage:`, keys of versions that are not
 * current (staged, abandoned or not yet removed), journal and staging entries.
 */
export async function countStaging(
  client: Redis | Cluster,
  prefix: string,
  table: string,
): Promise<number> {
  const base = `{${prefix}:${table}}`;
  const escaped = base.replace(/[[\]*?\\{}]/g, (character) => `\\${character}`);
  const current = await client.get(`${base}:current`);
  const keys = await keysOf(client, `${escaped}:*`);
  let count = 0;
  for (const key of keys) {
    const rest = key.slice(base.length + 1);
    if (rest.startsWith('stage:')) count += 1;
    const version = /^v(\d+):/.exec(rest)?.[1];
    if (version !== undefined && version !== current) count += 1;
  }
  count += await client.hlen(`${base}:journal`);
  count += await client.hlen(`${base}:staging`);
  return count;
}
