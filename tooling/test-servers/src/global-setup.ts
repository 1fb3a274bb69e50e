/**
 * Vitest global setup: start the servers a package's tests need once per test run, hand
 * their addresses to the tests with `provide`/`inject`, and stop them when the run ends.
 *
 * @example
 * // test/global-setup.ts
 * import { createGlobalSetup } from '@wharf/test-servers/vitest';
 * export default createGlobalSetup({ postgres: true });
 *
 * // vitest.config.ts: test: { globalSetup: ['./test/global-setup.ts'] }
 *
 * // in a test
 * import { inject } from 'vitest';
 * const url = inject('wharf.postgresUrl');
 */
// The augmentation below needs the 'vitest' module in the program, not only 'vitest/node'.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { type AdlsServerOptions, startAdlsServer } from './adls-server.js';
import { type GcsServerOptions, startGcsServer } from './gcs-server.js';
import { type PostgresOptions, startPostgres } from './postgres-server.js';
import { type RadosgwOptions, startRadosgw } from './radosgw-server.js';
import {
  type RedisClusterNode,
  type RedisClusterOptions,
  startRedisCluster,
} from './redis-cluster.js';
import { type RedisOptions, startRedis } from './redis-server.js';

declare module 'vitest' {
  /** The values {@link createGlobalSetup} provides; each is set only when its server was requested. */
  export interface ProvidedContext {
    /** URL of the PostgreSQL server (`postgres: true`). */
    'wharf.postgresUrl': string;
    /** URL of the standalone Redis server (`redis: true`). */
    'wharf.redisUrl': string;
    /** Start-up nodes of the Redis cluster (`redisCluster: true`). */
    'wharf.redisClusterNodes': RedisClusterNode[];
    /** `apiEndpoint` of the Cloud Storage protocol test server (`gcs: true`). */
    'wharf.gcsUrl': string;
    /** The project id to give the Cloud Storage client (`gcs: true`). */
    'wharf.gcsProjectId': string;
    /** `http://host:port/<account>` of the ADLS Gen2 protocol test server (`adls: true`). */
    'wharf.adlsUrl': string;
    /** The account key for `wharf.adlsUrl` (`adls: true`); the account is its last segment. */
    'wharf.adlsAccountKey': string;
    /** `http://host:port` of the S3 server, radosgw (`s3: true`); use path-style requests. */
    'wharf.s3Url': string;
    /** The region to sign S3 requests for (`s3: true`). */
    'wharf.s3Region': string;
    /** The access key id of the S3 user (`s3: true`). */
    'wharf.s3AccessKeyId': string;
    /** The secret access key of the S3 user (`s3: true`). */
    'wharf.s3SecretAccessKey': string;
  }
}

/** Which servers {@link createGlobalSetup} starts; `true` or the server's options. */
export interface GlobalSetupOptions {
  /** Start PostgreSQL and provide `wharf.postgresUrl`. @default false */
  postgres?: boolean | PostgresOptions;
  /** Start a standalone Redis and provide `wharf.redisUrl`. @default false */
  redis?: boolean | RedisOptions;
  /** Start a three-master Redis cluster and provide `wharf.redisClusterNodes`. @default false */
  redisCluster?: boolean | RedisClusterOptions;
  /**
   * Start the Cloud Storage protocol test server and provide `wharf.gcsUrl` and
   * `wharf.gcsProjectId`. @default false
   */
  gcs?: boolean | GcsServerOptions;
  /**
   * Start the ADLS Gen2 protocol test server and provide `wharf.adlsUrl` and
   * `wharf.adlsAccountKey`. @default false
   */
  adls?: boolean | AdlsServerOptions;
  /**
   * Start a throwaway S3 server (Ceph radosgw) and provide `wharf.s3Url`, `wharf.s3Region`,
   * `wharf.s3AccessKeyId` and `wharf.s3SecretAccessKey`. @default false
   */
  s3?: boolean | RadosgwOptions;
}

/** The function vitest calls for a global setup file's default export. */
export type GlobalSetup = (project: TestProject) => Promise<() => Promise<void>>;

function optionsOf<T extends object>(value: boolean | T | undefined): T | undefined {
  if (value === undefined || value === false) return undefined;
  return value === true ? ({} as T) : value;
}

/**
 * Builds a vitest global setup that starts the requested servers (in parallel), provides
 * their addresses to the tests, and returns the teardown that stops them. The environment
 * variables (`WHARF_TEST_POSTGRES_URL`, `WHARF_TEST_S3_URL`, …) still apply: a server given
 * there is provided as is and left running.
 *
 * @example
 * // test/global-setup.ts
 * import { createGlobalSetup } from '@wharf/test-servers/vitest';
 * export default createGlobalSetup({ postgres: true, redis: true });
 */
export function createGlobalSetup(options: GlobalSetupOptions): GlobalSetup {
  return async (project) => {
    const stops: Array<() => Promise<void>> = [];
    const teardown = async () => {
      const results = await Promise.allSettled(stops.map((stop) => stop()));
      const failures = results.flatMap((result) =>
        result.status === 'rejected' ? [result.reason] : [],
      );
      if (failures.length > 0) {
        throw new AggregateError(failures, 'stopping the test servers failed');
      }
    };
    const postgresOptions = optionsOf(options.postgres);
    const redisOptions = optionsOf(options.redis);
    const clusterOptions = optionsOf(options.redisCluster);
    const gcsOptions = optionsOf(options.gcs);
    const adlsOptions = optionsOf(options.adls);
    const s3Options = optionsOf(options.s3);

    const starts: Array<Promise<void>> = [];
    if (postgresOptions !== undefined) {
      starts.push(
        startPostgres(postgresOptions).then((server) => {
          stops.push(() => server.stop());
          project.provide('wharf.postgresUrl', server.url);
        }),
      );
    }
    if (redisOptions !== undefined) {
      starts.push(
        startRedis(redisOptions).then((server) => {
          stops.push(() => server.stop());
          project.provide('wharf.redisUrl', server.url);
        }),
      );
    }
    if (clusterOptions !== undefined) {
      starts.push(
        startRedisCluster(clusterOptions).then((cluster) => {
          stops.push(() => cluster.stop());
          project.provide('wharf.redisClusterNodes', [...cluster.nodes]);
        }),
      );
    }
    if (gcsOptions !== undefined) {
      starts.push(
        startGcsServer(gcsOptions).then((server) => {
          stops.push(() => server.stop());
          project.provide('wharf.gcsUrl', server.url);
          project.provide('wharf.gcsProjectId', server.projectId);
        }),
      );
    }
    if (adlsOptions !== undefined) {
      starts.push(
        startAdlsServer(adlsOptions).then((server) => {
          stops.push(() => server.stop());
          project.provide('wharf.adlsUrl', server.url);
          project.provide('wharf.adlsAccountKey', server.accountKey);
        }),
      );
    }
    if (s3Options !== undefined) {
      starts.push(
        startRadosgw(s3Options).then((server) => {
          stops.push(() => server.stop());
          project.provide('wharf.s3Url', server.url);
          project.provide('wharf.s3Region', server.region);
          project.provide('wharf.s3AccessKeyId', server.accessKeyId);
          project.provide('wharf.s3SecretAccessKey', server.secretAccessKey);
        }),
      );
    }

    const failed = (await Promise.allSettled(starts)).find(
      (result) => result.status === 'rejected',
    );
    if (failed !== undefined) {
      await teardown().catch(() => undefined);
      throw failed.reason;
    }
    return teardown;
  };
}
