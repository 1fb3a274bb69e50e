/**
 * `@wharf/store-redis`: a wharf store on Redis and Redis Cluster. Arrow loads are staged with
 * pipelined plain commands into a version of their own and published by switching a version
 * pointer (or renaming staged rows into production) in one script; rows are hashes that serve
 * point lookups by key.
 */
export type {
  RedisClient,
  RedisClusterNode,
  RedisConnectionOptions,
} from './redis-connection.js';
export { type RedisErrorContext, toStoreError } from './redis-errors.js';
export type { RedisStoreOptions } from './redis-options.js';
export { REDIS_ARROW_TYPES, RedisStore } from './redis-store.js';
