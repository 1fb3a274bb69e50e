/**
 * What the store's modules share: the key layout, the scripts, the client, the settings, and
 * the one way every Redis call is made (errors translated, secrets kept out of messages).
 */
import type { RedisClient, ScriptRunner } from './redis-connection.js';
import type { KeySpace } from './redis-key-space.js';
import type { SchemaCache } from './redis-schemas.js';

/** The shared state of one store instance. */
export interface RedisContext {
  /** For messages, e.g. `redis:trips`. */
  readonly name: string;
  readonly keys: KeySpace;
  readonly scripts: ScriptRunner;
  readonly schemas: SchemaCache;
  /** The key columns (empty without a key). */
  readonly keyColumns: readonly string[];
  /** TTL of row hashes in milliseconds; 0 for none. */
  readonly ttlMs: number;
  /** Rows per staging transaction. */
  readonly pipelineBatch: number;
  /** Staging transactions in flight at once. */
  readonly pipelineDepth: number;
  /** The largest run published by one script; larger runs build a new version. */
  readonly maxScriptRows: number;
  /** `schemaEvolution: 'add-columns'`. */
  readonly addColumns: boolean;
  /** The connected client; a `ConnectionError` when the store is not connected. */
  client(): RedisClient;
  /** Runs `action`, turning whatever it throws into a store error for `operation`. */
  call<T>(operation: string, action: () => Promise<T>): Promise<T>;
}
