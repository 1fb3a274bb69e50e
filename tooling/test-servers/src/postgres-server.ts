/**
 * Throwaway PostgreSQL servers: a fresh cluster (initdb) in its own temporary directory, a
 * postmaster on a free loopback port with durability switched off for speed, and a readiness
 * check that really connects. Stopping removes every file.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerServer } from './cleanup-registry.js';
import { postgresUrlVariable, readVariable, restartNeedsThrowawayError } from './environment.js';
import { withFreePort } from './free-port.js';
import { findPostgresBinDir, requireBinaries } from './locate-binary.js';
import { readLogTail } from './log-tail.js';
import { runCommand } from './run-command.js';
import { type ServerProcess, spawnServerProcess } from './server-process.js';
import { ServerStartError } from './server-start-error.js';
import { postgresRunAsUser } from './system-user.js';
import { waitUntil } from './wait-until.js';

/** Options for {@link startPostgres}. */
export interface PostgresOptions {
  /**
   * Directory holding `initdb`, `postgres`, `pg_ctl`, `pg_isready` and `createdb`.
   * @default `/usr/lib/postgresql/<highest version>/bin`, else the directory of `pg_ctl` on PATH
   */
  binDir?: string;
  /**
   * Database the returned URL points at; created when it is not `postgres`.
   * @default 'postgres'
   */
  database?: string;
  /**
   * How long to wait for the server to accept connections before failing.
   * @default 30_000
   */
  readyTimeoutMs?: number;
  /**
   * Whether `WHARF_TEST_POSTGRES_URL`, when set, is used instead of starting a server. Pass
   * `false` for tests that need a server of their own (e.g. to restart it).
   * @default true
   */
  allowExisting?: boolean;
}

/** How {@link PostgresServer.restart} shuts the server down before starting it again. */
export interface PostgresRestartOptions {
  /**
   * `'fast'` is a clean shutdown (open sessions are terminated, a checkpoint is written);
   * `'immediate'` is a crash: the next start runs crash recovery from the WAL.
   * @default 'fast'
   */
  mode?: 'fast' | 'immediate';
}

/** A PostgreSQL server for a test: a throwaway one, or an existing one from the environment. */
export interface PostgresServer extends AsyncDisposable {
  /** `postgres://postgres@127.0.0.1:<port>/<database>`; trust authentication, no password. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** True when this handle points at the server from `WHARF_TEST_POSTGRES_URL`. */
  readonly external: boolean;
  /** The temporary directory holding data, log and socket; undefined when external. */
  readonly directory: string | undefined;
  /** The cluster's data directory (`<directory>/data`); undefined when external. */
  readonly dataDirectory: string | undefined;
  /** The server log (`<directory>/postgres.log`); undefined when external. */
  readonly logFile: string | undefined;
  /** The postmaster's pid while running (it changes on restart); undefined when external. */
  readonly pid: number | undefined;
  /**
   * Shuts the server down and starts it again on the same port with the same data, e.g. to
   * simulate a server restart in the middle of a load. Connections are dropped. Rejects for
   * an external server.
   */
  restart(options?: PostgresRestartOptions): Promise<void>;
  /**
   * Stops the server (immediate shutdown), waits until the postmaster has exited and removes
   * the directory. Idempotent; does nothing for an external server.
   */
  stop(): Promise<void>;
}

const host = '127.0.0.1';
const superuser = 'postgres';
const stopGraceMs = 10_000;
const shutdownSignal = { fast: 'SIGINT', immediate: 'SIGQUIT' } as const;

/** The status line of `postmaster.pid` (`starting`, `ready`, `stopping`), if there is one. */
async function postmasterStatus(dataDirectory: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dataDirectory, 'postmaster.pid'), 'utf8')).split('\n')[7]?.trim();
  } catch {
    return undefined;
  }
}

function existingPostgres(url: string): PostgresServer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The value may hold a password: do not repeat it.
    throw new Error(`${postgresUrlVariable} is not a valid postgres:// URL`);
  }
  const user = decodeURIComponent(parsed.username) || superuser;
  return {
    url,
    host: parsed.hostname || 'localhost',
    port: Number(parsed.port) || 5432,
    database: decodeURIComponent(parsed.pathname.slice(1)) || user,
    user,
    external: true,
    directory: undefined,
    dataDirectory: undefined,
    logFile: undefined,
    pid: undefined,
    restart: async () => {
      throw restartNeedsThrowawayError(postgresUrlVariable);
    },
    stop: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
}

/**
 * Starts a throwaway PostgreSQL server on a free loopback port and resolves once it accepts
 * connections. When `WHARF_TEST_POSTGRES_URL` is set (and `allowExisting` is not false), it
 * resolves with a handle to that server instead, whose `stop()` does nothing.
 *
 * Uses Debian's `postgresql` package; when this process is root, the server runs as the
 * `postgres` system user. The server is stopped at process exit if the caller does not.
 *
 * @example
 * const postgres = await startPostgres();
 * try {
 *   // connect to postgres.url
 * } finally {
 *   await postgres.stop();
 * }
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const existing = options.allowExisting === false ? undefined : readVariable(postgresUrlVariable);
  if (existing !== undefined) return existingPostgres(existing);

  const binDir = options.binDir ?? findPostgresBinDir();
  if (binDir === undefined) {
    throw new Error(
      'PostgreSQL server binaries were not found (looked in /usr/lib/postgresql/<version>/bin ' +
        'and for pg_ctl on PATH). Install them with: apt-get install -y postgresql',
    );
  }
  const binaries = requireBinaries(
    ['initdb', 'postgres', 'pg_ctl', 'pg_isready', 'createdb'],
    binDir,
    'postgresql',
  );
  const runAs = postgresRunAsUser();
  const database = options.database ?? 'postgres';
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;

  const directory = await mkdtemp(join(tmpdir(), 'wharf-pg-'));
  const dataDirectory = join(directory, 'data');
  const logFile = join(directory, 'postgres.log');
  const asServerUser = { cwd: directory, ...runAs };

  /** Starts the postmaster on `port` and waits until it accepts connections there. */
  async function launch(port: number): Promise<ServerProcess> {
    const args = ['-D', dataDirectory, '-p', String(port), '-k', directory];
    for (const setting of [
      `listen_addresses=${host}`,
      'fsync=off',
      'synchronous_commit=off',
      'full_page_writes=off',
    ]) {
      args.push('-c', setting);
    }
    const server = await spawnServerProcess(binaries.postgres, args, { ...asServerUser, logFile });
    try {
      await waitUntil(
        async () => {
          if (server.hasExited()) {
            throw new ServerStartError(
              `PostgreSQL exited before accepting connections on ${host}:${port}`,
              await readLogTail(logFile),
            );
          }
          const probe = await runCommand(
            binaries.pg_isready,
            ['-h', host, '-p', String(port), '-U', superuser, '-d', 'postgres', '-t', '2'],
            { cwd: directory },
          );
          // pg_isready proves the port accepts connections; the status line in postmaster.pid
          // proves it is this postmaster that does (not another server that won the port).
          return (
            probe.code === 0 &&
            (await postmasterStatus(dataDirectory)) === 'ready' &&
            !server.hasExited()
          );
        },
        {
          timeoutMs: readyTimeoutMs,
          onTimeout: async () =>
            new ServerStartError(
              `PostgreSQL did not accept connections on ${host}:${port} within ${readyTimeoutMs} ms`,
              await readLogTail(logFile),
            ),
        },
      );
    } catch (error) {
      await server.stop(shutdownSignal.immediate, stopGraceMs);
      throw error;
    }
    return server;
  }

  let current: ServerProcess | undefined;
  let port: number;
  try {
    if (runAs !== undefined) chownSync(directory, runAs.uid, runAs.gid);
    const initdb = await runCommand(
      binaries.initdb,
      [
        '-D',
        dataDirectory,
        '-U',
        superuser,
        '--auth=trust',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
      ],
      asServerUser,
    );
    if (initdb.code !== 0) {
      throw new Error(`initdb failed with exit code ${initdb.code}:\n${initdb.output.trimEnd()}`);
    }
    const started = await withFreePort(async (candidate) => ({
      port: candidate,
      server: await launch(candidate),
    }));
    port = started.port;
    current = started.server;
    if (database !== 'postgres') {
      const created = await runCommand(
        binaries.createdb,
        ['-h', host, '-p', String(port), '-U', superuser, database],
        { cwd: directory },
      );
      if (created.code !== 0) {
        throw new Error(`createdb ${database} failed:\n${created.output.trimEnd()}`);
      }
    }
  } catch (error) {
    await current?.stop(shutdownSignal.immediate, stopGraceMs);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const shutDown = async (mode: 'fast' | 'immediate') => {
    const server = current;
    current = undefined;
    await server?.stop(shutdownSignal[mode], stopGraceMs);
  };
  const unregister = registerServer({
    stop: () => handle.stop(),
    stopSync() {
      if (current !== undefined && !current.hasExited()) {
        // pg_ctl waits until the postmaster and all its backends are gone.
        spawnSync(
          binaries.pg_ctl,
          ['stop', '-D', dataDirectory, '-m', 'immediate', '-w', '-t', '10'],
          { ...asServerUser, stdio: 'ignore' },
        );
        current.killNow();
      }
      rmSync(directory, { recursive: true, force: true });
    },
  });

  const url = `postgres://${superuser}@${host}:${port}/${encodeURIComponent(database)}`;
  const handle: PostgresServer = {
    url,
    host,
    port,
    database,
    user: superuser,
    external: false,
    directory,
    dataDirectory,
    logFile,
    get pid() {
      return current?.pid;
    },
    async restart(restartOptions = {}) {
      if (stopping !== undefined) throw new Error(`the PostgreSQL server at ${url} was stopped`);
      await shutDown(restartOptions.mode ?? 'fast');
      current = await launch(port);
    },
    stop() {
      stopping ??= (async () => {
        try {
          await shutDown('immediate');
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
