/** The conformance kit's options for a Redis target: the factory, the probes, the child module. */
import { fileURLToPath } from 'node:url';
import type { ConformanceContext, ConformanceOptions } from '@wharf/store-core/conformance';
import { afterAll } from 'vitest';
import { RedisStore } from '../src/index.js';
import { connectionOf } from './helpers.js';
import { countStaging, probeClient, readProductionRows, type Target } from './redis-probe.js';

/** A loopback port nothing listens on. */
const CLOSED_PORT = 1;

function unreachable(target: Target, secret: string) {
  return target.kind === 'standalone'
    ? { url: `redis://:${secret}@127.0.0.1:${CLOSED_PORT}` }
    : {
        cluster: {
          nodes: [{ host: '127.0.0.1', port: CLOSED_PORT }],
          options: { redisOptions: { password: secret } },
        },
      };
}

/** The kit's options for `target`; the probe client is closed after the file's tests. */
export function conformanceOptions(target: Target): ConformanceOptions {
  const probe = probeClient(target);
  afterAll(() => probe.disconnect());
  return {
    name: `@wharf/store-redis (${target.kind})`,
    createStore: (context: ConformanceContext) =>
      new RedisStore({
        ...(context.unreachable ? unreachable(target, context.secret) : connectionOf(target)),
        table: context.table,
        prefix: context.prefix,
        ...(context.key ? { key: context.key } : {}),
        ...(context.tenantColumn ? { tenantColumn: context.tenantColumn } : {}),
        ...(context.softDelete ? { softDelete: context.softDelete } : {}),
      }),
    inspect: async (context) =>
      (await readProductionRows(probe, context.prefix, context.table)).rows,
    inspectStaging: (context) => countStaging(probe, context.prefix, context.table),
    spawn: {
      module: fileURLToPath(new URL('./fixtures/conformance-factory.mjs', import.meta.url)),
      env:
        target.kind === 'standalone'
          ? { WHARF_KIT_REDIS_URL: target.url }
          : { WHARF_KIT_REDIS_CLUSTER: JSON.stringify(target.nodes) },
    },
  };
}
