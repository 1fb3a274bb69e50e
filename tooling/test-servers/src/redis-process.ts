/**
 * One redis-server process with no persistence, in the foreground, on a loopback port; shared
 * by the standalone server and the cluster nodes.
 */
import { readLogTail } from './log-tail.js';
import { sendRedisCommand } from './resp-client.js';
import { type ServerProcess, spawnServerProcess } from './server-process.js';
import { ServerStartError } from './server-start-error.js';
import { waitUntil } from './wait-until.js';

/** The loopback interface every throwaway Redis binds. */
export const redisHost = '127.0.0.1';
/** How long SIGTERM may take before SIGKILL. */
export const redisStopGraceMs = 5_000;

/** What {@link launchRedis} starts. */
export interface RedisLaunchOptions {
  redisServer: string;
  port: number;
  directory: string;
  logFile: string;
  readyTimeoutMs: number;
  /** Further command-line settings, e.g. the cluster ones. */
  extraArgs?: readonly string[];
}

/** True when a server answers PING on `port`. Connection failures count as "not yet". */
export async function answersPing(port: number): Promise<boolean> {
  try {
    return (await sendRedisCommand(redisHost, port, ['PING'], 1_000)) === 'PONG';
  } catch {
    return false;
  }
}

/** Starts redis-server and resolves once it answers PING with PONG. */
export async function launchRedis(options: RedisLaunchOptions): Promise<ServerProcess> {
  const { port, logFile, readyTimeoutMs } = options;
  const args = [
    '--port',
    String(port),
    '--bind',
    redisHost,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    options.directory,
    '--daemonize',
    'no',
    ...(options.extraArgs ?? []),
  ];
  const server = await spawnServerProcess(options.redisServer, args, {
    cwd: options.directory,
    logFile,
  });
  try {
    await waitUntil(
      async () => {
        if (server.hasExited()) {
          throw new ServerStartError(
            `redis-server exited before answering PING on ${redisHost}:${port}`,
            await readLogTail(logFile),
          );
        }
        return (await answersPing(port)) && !server.hasExited();
      },
      {
        timeoutMs: readyTimeoutMs,
        onTimeout: async () =>
          new ServerStartError(
            `redis-server did not answer PING on ${redisHost}:${port} within ${readyTimeoutMs} ms`,
            await readLogTail(logFile),
          ),
      },
    );
  } catch (error) {
    await server.stop('SIGKILL', redisStopGraceMs);
    throw error;
  }
  return server;
}
