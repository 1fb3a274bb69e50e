/** Throwaway standalone Redis servers. */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerServer } from './cleanup-registry.js';
import { readVariable, redisUrlVariable, restartNeedsThrowawayError } from './environment.js';
import { withFreePort } from './free-port.js';
import { requireBinaries } from './locate-binary.js';
import { launchRedis, redisHost, redisStopGraceMs } from './redis-process.js';
import type { ServerProcess } from './server-process.js';

/** Options for {@link startRedis}. */
export interface RedisOptions {
  /**
   * Directory holding `redis-server`.
   * @default the first `redis-server` on PATH
   */
  binDir?: string;
  /**
   * How long to wait for the server to answer PING before failing.
   * @default 30_000
   */
  readyTimeoutMs?: number;
  /**
   * Whether `WHARF_TEST_REDIS_URL`, when set, is used instead of starting a server. Pass
   * `false` for tests that need a server of their own (e.g. to restart it).
   * @default true
   */
  allowExisting?: boolean;
}

/** A standalone Redis server for a test: a throwaway one, or an existing one. */
export interface RedisServer extends AsyncDisposable {
  /** `redis://127.0.0.1:<port>`; no password. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** True when this handle points at the server from `WHARF_TEST_REDIS_URL`. */
  readonly external: boolean;
  /** The temporary working directory (holds the log); undefined when external. */
  readonly directory: string | undefined;
  /** The server log (`<directory>/redis.log`); undefined when external. */
  readonly logFile: string | undefined;
  /** The redis-server pid while running (it changes on restart); undefined when external. */
  readonly pid: number | undefined;
  /**
   * Stops the server and starts it again on the same port. There is no persistence, so the
   * restarted server is empty. Rejects for an external server.
   */
  restart(): Promise<void>;
  /**
   * Stops the server (SIGTERM, SIGKILL after a few seconds), waits for the exit and removes
   * the directory. Idempotent; does nothing for an external server.
   */
  stop(): Promise<void>;
}

function existingRedis(url: string): RedisServer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The value may hold a password: do not repeat it.
    throw new Error(`${redisUrlVariable} is not a valid redis:// URL`);
  }
  return {
    url,
    host: parsed.hostname || 'localhost',
    port: Number(parsed.port) || 6379,
    external: true,
    directory: undefined,
    logFile: undefined,
    pid: undefined,
    restart: async () => {
      throw restartNeedsThrowawayError(redisUrlVariable);
    },
    stop: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
}

/**
 * Starts a throwaway redis-server (no persistence) on a free loopback port and resolves once
 * it answers PING. When `WHARF_TEST_REDIS_URL` is set (and `allowExisting` is not false), it
 * resolves with a handle to that server instead, whose `stop()` does nothing.
 *
 * Uses Debian's `redis-server` package. The server is stopped at process exit if the caller
 * does not.
 *
 * @example
 * const redis = await startRedis();
 * afterAll(() => redis.stop());
 * // connect to redis.url
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const existing = options.allowExisting === false ? undefined : readVariable(redisUrlVariable);
  if (existing !== undefined) return existingRedis(existing);

  const { 'redis-server': redisServer } = requireBinaries(
    ['redis-server'],
    options.binDir,
    'redis-server',
  );
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const directory = await mkdtemp(join(tmpdir(), 'wharf-redis-'));
  const logFile = join(directory, 'redis.log');
  const launch = (port: number) =>
    launchRedis({ redisServer, port, directory, logFile, readyTimeoutMs });

  let current: ServerProcess | undefined;
  let port: number;
  try {
    const started = await withFreePort(async (candidate) => ({
      port: candidate,
      server: await launch(candidate),
    }));
    port = started.port;
    current = started.server;
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const shutDown = async () => {
    const server = current;
    current = undefined;
    await server?.stop('SIGTERM', redisStopGraceMs);
  };
  const unregister = registerServer({
    stop: () => handle.stop(),
    stopSync() {
      current?.killNow();
      rmSync(directory, { recursive: true, force: true });
    },
  });

  const url = `redis://${redisHost}:${port}`;
  const handle: RedisServer = {
    url,
    host: redisHost,
    port,
    external: false,
    directory,
    logFile,
    get pid() {
      return current?.pid;
    },
    async restart() {
      if (stopping !== undefined) throw new Error(`the Redis server at ${url} was stopped`);
      await shutDown();
      current = await launch(port);
    },
    stop() {
      stopping ??= (async () => {
        try {
          await shutDown();
        } finally {
          await rm(directory, { recursive: true, force: true });
          unregister();
        }
      })();
      return stopping;
    },
    [Symbol.asyncDispose]: () => handle.stop(),
  };
  return handle;
}
