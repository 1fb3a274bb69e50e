/** Shared pieces of the tests: the servers, fresh stores, deterministic data. */
import { randomBytes } from 'node:crypto';
import {
  Bool,
  Float64,
  makeVector,
  Table,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { inject } from 'vitest';
import { RedisStore, type RedisStoreOptions } from '../src/index.js';
import type { Target } from './redis-probe.js';

/** The standalone server and the cluster of this test run. */
export function targets(): Target[] {
  return [
    { kind: 'standalone', url: inject('wharf.redisUrl') },
    { kind: 'cluster', nodes: inject('wharf.redisClusterNodes') },
  ];
}

/** Connection options for `target`. */
export function connectionOf(target: Target): Pick<RedisStoreOptions, 'url' | 'cluster'> {
  return target.kind === 'standalone' ? { url: target.url } : { cluster: { nodes: target.nodes } };
}

/** A unique key prefix, so that tests never share keys. */
export function uniquePrefix(): string {
  return `t${randomBytes(6).toString('hex')}`;
}

/** A store of `target` with a unique prefix; `close()` it (or `await using`). */
export function makeStore(target: Target, options: Partial<RedisStoreOptions> = {}): RedisStore {
  return new RedisStore({
    table: 'items',
    prefix: uniquePrefix(),
    ...connectionOf(target),
    ...options,
  });
}

/** Rows `start` … `start + count - 1`: id, tenant, name, value, flag, at. */
export function rows(start: number, count: number, variant = 0): Table {
  const ids = Array.from({ length: count }, (_, index) => start + index);
  return new Table({
    id: makeVector(BigInt64Array.from(ids, BigInt)),
    tenant: vectorFromArray(
      ids.map((id) => (id % 2 === 1 ? 'acme' : 'globex')),
      new Utf8(),
    ),
    name: vectorFromArray(
      ids.map((id) => (id % 7 === 0 ? null : `row-${id}${variant ? `-v${variant}` : ''}`)),
      new Utf8(),
    ),
    value: vectorFromArray(
      ids.map((id) => id * 1.5 + variant * 1000),
      new Float64(),
    ),
    flag: vectorFromArray(
      ids.map((id) => (id % 5 === 0 ? null : id % 3 === 0)),
      new Bool(),
    ),
    at: vectorFromArray(
      ids.map((id) => Date.UTC(2024, 0, 1) + id * 1000),
      new TimestampMillisecond(),
    ),
  });
}

/** The ids of rows as plain numbers, sorted. */
export function idsOf(list: readonly Record<string, unknown>[]): number[] {
  return list.map((row) => Number(row.id)).sort((left, right) => left - right);
}

/** `count` ids starting at `start`. */
export function range(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => start + index);
}
