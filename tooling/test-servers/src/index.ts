/**
 * Throwaway PostgreSQL, Redis and S3 (Ceph radosgw) servers for tests: started on free
 * loopback ports with their own temporary directories, ready only when they really answer,
 * and stopped with every file removed — also when a test fails or the run is interrupted.
 * The vitest wiring lives on the `@wharf/test-servers/vitest` entry.
 *
 * Also in-process protocol test servers for the cloud stores that have no offline emulator:
 * Google Cloud Storage (JSON API) and ADLS Gen2 (DFS and Blob endpoints).
 */

export {
  type AdlsServer,
  type AdlsServerOptions,
  adlsDefaultAccount,
  adlsDefaultAccountKey,
  startAdlsServer,
} from './adls-server.js';
export { stopAll } from './cleanup-registry.js';
export type { FaultOptions, InjectedFault } from './fault-injection.js';
export { findFreePort } from './free-port.js';
export { type GcsServer, type GcsServerOptions, startGcsServer } from './gcs-server.js';
export { findPostgresBinDir } from './locate-binary.js';
export {
  type PostgresOptions,
  type PostgresRestartOptions,
  type PostgresServer,
  startPostgres,
} from './postgres-server.js';
export { type RadosgwOptions, type RadosgwServer, startRadosgw } from './radosgw-server.js';
export {
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
  startRedisCluster,
} from './redis-cluster.js';
export { type RedisOptions, type RedisServer, startRedis } from './redis-server.js';
