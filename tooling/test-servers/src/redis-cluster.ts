/**
 * Throwaway Redis clusters: three masters (no replicas) sharing the 16384 slots, each its own
 * process, port, cluster-bus port and directory, joined with `redis-cli --cluster create`.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerServer } from './cleanup-registry.js';
import { readVariable, redisClusterNodesVariable } from './environment.js';
import { findFreePort, withFreePort } from './free-port.js';
import { requireBinaries } from './locate-binary.js';
import { launchRedis, redisHost, redisStopGraceMs } from './redis-process.js';
import { sendRedisCommand } from './resp-client.js';
import { runCommand } from './run-command.js';
import type { ServerProcess } from './server-process.js';
import { waitUntil } from './wait-until.js';

/** Options for {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /**
   * Directory holding `redis-server` and `redis-cli`.
   * @default the first ones on PATH
   */
  binDir?: string;
  /**
   * How long to wait for the nodes to start and the cluster to reach `cluster_state:ok`.
   * @default 30_000
   */
  readyTimeoutMs?: number;
  /**
   * Whether `WHARF_TEST_REDIS_CLUSTER_NODES`, when set, is used instead of starting a
   * cluster.
   * @default true
   */
  allowExisting?: boolean;
}

/** One cluster node's address, in the shape cluster clients take as start-up nodes. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

/** A Redis cluster for a test: a throwaway one, or an existing one from the environment. */
export interface RedisCluster extends AsyncDisposable {
  /** The master nodes. */
  readonly nodes: readonly RedisClusterNode[];
  /** `redis://host:port` for each node, in the order of `nodes`. */
  readonly urls: readonly string[];
  /** True when this handle points at the nodes from `WHARF_TEST_REDIS_CLUSTER_NODES`. */
  readonly external: boolean;
  /** Each node's temporary directory (log and `nodes-<port>.conf`); empty when external. */
  readonly directories: readonly string[];
  /** Each node's redis-server pid; empty when external or stopped. */
  readonly pids: readonly number[];
  /**
   * Stops every node, waits for the exits and removes the directories. Idempotent; does
   * nothing for an external cluster.
   */
  stop(): Promise<void>;
}

const clusterSize = 3;
const totalSlots = 16_384;

function parseNodes(list: string): RedisClusterNode[] {
  return list.split(',').map((entry) => {
    const trimmed = entry.trim();
    const colon = trimmed.lastIndexOf(':');
    const port = Number(trimmed.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
      throw new Error(
        `${redisClusterNodesVariable} must be a comma-separated list of host:port, got "${trimmed}"`,
      );
    }
    return { host: trimmed.slice(0, colon), port };
  });
}

function existingCluster(list: string): RedisCluster {
  const nodes = parseNodes(list);
  return {
    nodes,
    urls: nodes.map((node) => `redis://${node.host}:${node.port}`),
    external: true,
    directories: [],
    pids: [],
    stop: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
}

interface StartedNode {
  port: number;
  directory: string;
  server: ServerProcess;
}

/** True when the node at `port` reports `cluster_state:ok` with every slot assigned. */
async function clusterReady(port: number): Promise<boolean> {
  try {
    const info = await sendRedisCommand(redisHost, port, ['CLUSTER', 'INFO'], 1_000);
    return (
      typeof info === 'string' &&
      /^cluster_state:ok\r?$/m.test(info) &&
      new RegExp(`^cluster_slots_assigned:${totalSlots}\\r?$`, 'm').test(info)
    );
  } catch {
    return false;
  }
}

/**
 * Starts a throwaway three-master Redis cluster on free loopback ports and resolves once
 * every node reports `cluster_state:ok`. When `WHARF_TEST_REDIS_CLUSTER_NODES` is set (and
 * `allowExisting` is not false), it resolves with a handle to those nodes instead, whose
 * `stop()` does nothing.
 *
 * Uses Debian's `redis-server` package (which brings `redis-cli`). The nodes are stopped at
 * process exit if the caller does not.
 *
 * @example
 * const cluster = await startRedisCluster();
 * const client = new Redis.Cluster(cluster.nodes);
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const existing =
    options.allowExisting === false ? undefined : readVariable(redisClusterNodesVariable);
  if (existing !== undefined) return existingCluster(existing);

  const binaries = requireBinaries(['redis-server', 'redis-cli'], options.binDir, 'redis-server');
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;

  const startNode = async (): Promise<StartedNode> => {
    const directory = await mkdtemp(join(tmpdir(), 'wharf-redis-cluster-'));
    try {
      return await withFreePort(async (port) => {
        // The cluster bus needs a second port; by default port + 10000, which may be taken
        // or out of range, so it is chosen explicitly.
        const busPort = await findFreePort();
        const server = await launchRedis({
          redisServer: binaries['redis-server'],
          port,
          directory,
          logFile: join(directory, 'redis.log'),
          readyTimeoutMs,
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(directory, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '5000',
            '--cluster-port',
            String(busPort),
          ],
        });
        return { port, directory, server };
      });
    } catch (error) {
      await rm(directory, { recursive: true, force: true });
      throw error;
    }
  };

  const stopNodes = async (nodes: readonly StartedNode[]) => {
    await Promise.all(
      nodes.map(async (node) => {
        try {
          await node.server.stop('SIGTERM', redisStopGraceMs);
        } finally {
          await rm(node.directory, { recursive: true, force: true });
        }
      }),
    );
  };

  const attempts = await Promise.allSettled(Array.from({ length: clusterSize }, startNode));
  const started = attempts.flatMap((attempt) =>
    attempt.status === 'fulfilled' ? [attempt.value] : [],
  );
  try {
    const failed = attempts.find((attempt) => attempt.status === 'rejected');
    if (failed !== undefined) throw failed.reason;

    const addresses = started.map((node) => `${redisHost}:${node.port}`);
    const create = await runCommand(
      binaries['redis-cli'],
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      { timeoutMs: readyTimeoutMs },
    );
    if (create.code !== 0) {
      throw new Error(
        `redis-cli --cluster create failed with exit code ${create.code}:\n${create.output.trimEnd()}`,
      );
    }
    await waitUntil(
      async () =>
        (await Promise.all(started.map((node) => clusterReady(node.port)))).every(Boolean),
      {
        timeoutMs: readyTimeoutMs,
        onTimeout: async () =>
          new Error(
            `the Redis cluster on ${addresses.join(', ')} did not reach cluster_state:ok within ${readyTimeoutMs} ms`,
          ),
      },
    );
  } catch (error) {
    await stopNodes(started);
    throw error;
  }

  let running = true;
  let stopping: Promise<void> | undefined;
  const unregister = registerServer({
    stop: () => handle.stop(),
    stopSync() {
      for (const node of started) {
        node.server.killNow();
        rmSync(node.directory, { recursive: true, force: true });
      }
    },
  });

  const nodes = started.map((node) => ({ host: redisHost, port: node.port }));
  const handle: RedisCluster = {
    nodes,
    urls: nodes.map((node) => `redis://${node.host}:${node.port}`),
    external: false,
    directories: started.map((node) => node.directory),
    get pids() {
      return running ? started.map((node) => node.server.pid) : [];
    },
    stop() {
      stopping ??= (async () => {
        running = false;
        try {
          await stopNodes(started);
        } finally {
          unregister();
        }
      })();
      return stopping;
    },
    [Symbol.asyncDispose]: () => handle.stop(),
  };
  return handle;
}
