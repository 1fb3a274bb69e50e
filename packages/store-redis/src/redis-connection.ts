/**
 * The connection: an ioredis client for one server (`url`) or a cluster (`cluster.nodes`), set
 * up so that an outage surfaces at once as an error (no offline queue, no silent resend of
 * commands a dropped connection swallowed) while the client keeps reconnecting in the
 * background for the next attempt; and the scripts, called by their SHA1 and loaded on demand.
 */
import { createHash } from 'node:crypto';
import { ConnectionError } from '@wharf/store-core';
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/** A client the store talks through: an ioredis `Redis` or `Cluster`. */
export type RedisClient = Redis | Cluster;

/** A start-up node of a cluster: `'host:port'` or `{ host, port }`. */
export type RedisClusterNode = string | { host: string; port: number };

/** Where the store connects. */
export interface RedisConnectionOptions {
  /**
   * The server's URL, e.g. `redis://:password@host:6379/0` or `rediss://…` for TLS.
   * @default undefined (use `cluster`, or hand a client to `setPool`)
   */
  url?: string;
  /**
   * A Redis Cluster instead of one server: its start-up nodes, and ioredis cluster options.
   * @default undefined
   */
  cluster?: { nodes: readonly RedisClusterNode[]; options?: ClusterOptions };
  /**
   * ioredis options for the connection (each cluster node's, with `cluster`), over the store's
   * defaults: `enableOfflineQueue: false`, `maxRetriesPerRequest: 0`,
   * `autoResendUnfulfilledCommands: false`, `connectTimeout: 10_000`: a command sent when the
   * connection drops fails at once instead of waiting or being sent again.
   * @default {}
   */
  redisOptions?: RedisOptions;
}

/** Passwords in the options, to strip from every message. */
export function secretsOf(options: RedisConnectionOptions): string[] {
  const secrets: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.length > 0) secrets.push(value);
  };
  if (options.url) {
    try {
      const parsed = new URL(options.url);
      add(parsed.password);
      add(decodeURIComponent(parsed.password));
    } catch {
      // An unparsable URL fails on connect; redact() still hides a user:password@ part.
    }
  }
  add(options.redisOptions?.password);
  add(options.cluster?.options?.redisOptions?.password);
  return secrets;
}

// maxRetriesPerRequest 0 makes ioredis reject every command in flight as soon as the connection
// drops. With autoResendUnfulfilledCommands off and any other value, ioredis 6.0.0 drops such a
// command on reconnect without ever settling its promise (redis/ioredis#2193).
const CLIENT_DEFAULTS: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 10_000,
  retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
};

function clusterNode(node: RedisClusterNode): ClusterNode {
  if (typeof node !== 'string') return { host: node.host, port: node.port };
  const colon = node.lastIndexOf(':');
  return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
}

/** A new, unconnected client for `options`; `undefined` when they name no server. */
export function createClient(options: RedisConnectionOptions): RedisClient | undefined {
  if (options.cluster) {
    const clusterOptions = options.cluster.options ?? {};
    return new Cluster(options.cluster.nodes.map(clusterNode), {
      lazyConnect: true,
      enableOfflineQueue: false,
      enableReadyCheck: true,
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      ...clusterOptions,
      redisOptions: {
        ...CLIENT_DEFAULTS,
        ...options.redisOptions,
        ...clusterOptions.redisOptions,
      },
    });
  }
  if (options.url) return new Redis(options.url, { ...CLIENT_DEFAULTS, ...options.redisOptions });
  return undefined;
}

/** Whether `client` is a cluster client. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * Connects `client` (when it is not already) and resolves once it is ready. On failure the
 * client is disconnected, so that it stops retrying in the background.
 */
export async function openClient(client: RedisClient): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'connecting' || client.status === 'connect') {
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        client.off('error', onError);
        resolve();
      };
      const onError = (error: Error) => {
        client.off('ready', onReady);
        reject(error);
      };
      client.once('ready', onReady);
      client.once('error', onError);
    });
    return;
  }
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw error;
  }
}

/** An argument of a Redis command. */
export type CommandArgument = string | Buffer | number;

/** Calls the store's Lua scripts by SHA1, loading a script the server does not know yet. */
export class ScriptRunner {
  readonly #shas = new Map<string, string>();
  readonly #client: () => RedisClient;
  readonly #routingKey: string;

  /**
   * @param client the connected client
   * @param routingKey `KEYS[1]` of every call: routes it to the store's slot on a cluster
   */
  constructor(client: () => RedisClient, routingKey: string) {
    this.#client = client;
    this.#routingKey = routingKey;
  }

  /** Runs `script` with `args` (ARGV); replies as strings. */
  run(script: string, args: readonly CommandArgument[]): Promise<unknown> {
    return this.#call(script, args, false);
  }

  /** Runs `script` with `args` (ARGV); replies as Buffers. */
  runBuffers(script: string, args: readonly CommandArgument[]): Promise<unknown> {
    return this.#call(script, args, true);
  }

  async #call(
    script: string,
    args: readonly CommandArgument[],
    buffers: boolean,
  ): Promise<unknown> {
    const client = this.#client();
    let sha = this.#shas.get(script);
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex');
      this.#shas.set(script, sha);
    }
    const call = (command: string, first: string) => {
      const full = [first, 1, this.#routingKey, ...args];
      return buffers ? client.callBuffer(command, full) : client.call(command, full);
    };
    try {
      return await call('evalsha', sha);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return call('eval', script);
    }
  }
}

/** A `ConnectionError` for a store that has no client to use. */
export function noServerError(store: string): ConnectionError {
  return new ConnectionError(
    `${store}: no server to connect to; pass url or cluster, or hand a client to setPool()`,
  );
}
