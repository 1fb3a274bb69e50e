/**
 * Throwaway PostgreSQL and Redis servers for tests: started on free loopback ports with their
 * own temporary directories, ready only when they really answer, and stopped with every file
 * removed — also when a test fails or the run is interrupted. The vitest wiring lives on the
 * `@wharf/test-servers/vitest` entry.
 */
export { stopAll } from './cleanup-registry.js';
export { findFreePort } from './free-port.js';
export { findPostgresBinDir } from './locate-binary.js';
export {
  type PostgresOptions,
  type PostgresRestartOptions,
  type PostgresServer,
  startPostgres,
} from './postgres-server.js';
export {
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
  startRedisCluster,
} from './redis-cluster.js';
export { type RedisOptions, type RedisServer, startRedis } from './redis-server.js';
