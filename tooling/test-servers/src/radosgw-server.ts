/**
 * Throwaway S3 servers: Ceph's radosgw, a real S3 implementation, on top of a one-node
 * cluster that keeps everything in memory (see ceph-cluster.ts), with one S3 user whose keys
 * are known. Stopping kills the three daemons and removes every file.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandFailed, launchCephCluster, remainingMs } from './ceph-cluster.js';
import { cephLogFile } from './ceph-config.js';
import { registerServer } from './cleanup-registry.js';
import {
  readVariable,
  s3AccessKeyIdVariable,
  s3RegionVariable,
  s3SecretAccessKeyVariable,
  s3UrlVariable,
} from './environment.js';
import { withFreePort } from './free-port.js';
import { requireBinaries } from './locate-binary.js';
import { readLogTail } from './log-tail.js';
import { runCommand } from './run-command.js';
import { type ServerProcess, spawnServerProcess } from './server-process.js';
import { ServerStartError } from './server-start-error.js';
import { waitUntil } from './wait-until.js';

/** Options for {@link startRadosgw}. */
export interface RadosgwOptions {
  /**
   * Directory holding `radosgw`, `radosgw-admin`, `ceph`, `ceph-mon`, `monmaptool` and
   * `ceph-osd`.
   * @default the first ones on PATH
   */
  binDir?: string;
  /**
   * The access key id of the S3 user the server is started with.
   * @default 'WHARFTESTACCESSKEY'
   */
  accessKeyId?: string;
  /**
   * The secret access key of that user.
   * @default 'wharf-test-secret-access-key'
   */
  secretAccessKey?: string;
  /**
   * The capacity the in-memory OSD reports. Memory is used only for what is stored; once
   * the OSD is 95 % full, writes wait for space.
   * @default 2 GiB
   */
  capacityBytes?: number;
  /**
   * How long the whole start (monitor, OSD, radosgw, user) may take before failing.
   * @default 60_000
   */
  readyTimeoutMs?: number;
  /**
   * Whether `WHARF_TEST_S3_URL`, when set, is used instead of starting a server.
   * @default true
   */
  allowExisting?: boolean;
}

/** An S3 endpoint for a test: a throwaway radosgw, or an existing server from the environment. */
export interface RadosgwServer extends AsyncDisposable {
  /**
   * `http://127.0.0.1:<port>`: the `endpoint` for `new S3Client(...)`, with
   * `forcePathStyle: true` (there is no DNS name for virtual-host-style buckets).
   */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /**
   * The region to sign requests for: `us-east-1`. radosgw accepts a signature for any
   * region; `GetBucketLocation` answers with its zonegroup's name, `default`.
   */
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** True when this handle points at the server from `WHARF_TEST_S3_URL`. */
  readonly external: boolean;
  /** The temporary directory holding configuration, logs and sockets; undefined when external. */
  readonly directory: string | undefined;
  /** The radosgw log (`<directory>/client.rgw.a.log`); undefined when external. */
  readonly logFile: string | undefined;
  /** The pids of ceph-mon, ceph-osd and radosgw; empty when external or stopped. */
  readonly pids: readonly number[];
  /**
   * Kills the three daemons, waits until they have exited and removes the directory.
   * Idempotent; does nothing for an external server.
   */
  stop(): Promise<void>;
}

const host = '127.0.0.1';
const defaultRegion = 'us-east-1';
const defaultAccessKeyId = 'WHARFTESTACCESSKEY';
const defaultSecretAccessKey = 'wharf-test-secret-access-key';
const defaultCapacityBytes = 2 * 1024 ** 3;
const userId = 'wharf-test';
const radosgwName = 'client.rgw.a';
const cephPackages = 'radosgw ceph-mon ceph-osd';
// The daemons are killed outright: nothing is kept, and a clean shutdown takes seconds per
// daemon (the in-memory store would write its whole contents to the directory first).
const stopSignal = 'SIGKILL';
const stopGraceMs = 5_000;

function existingRadosgw(url: string, options: RadosgwOptions): RadosgwServer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${s3UrlVariable} is not a valid http(s):// URL`);
  }
  return {
    url: url.replace(/\/+$/, ''),
    host: parsed.hostname,
    port: Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80),
    region: readVariable(s3RegionVariable) ?? defaultRegion,
    accessKeyId: readVariable(s3AccessKeyIdVariable) ?? options.accessKeyId ?? defaultAccessKeyId,
    secretAccessKey:
      readVariable(s3SecretAccessKeyVariable) ?? options.secretAccessKey ?? defaultSecretAccessKey,
    external: true,
    directory: undefined,
    logFile: undefined,
    pids: [],
    stop: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
}

/** True when an S3 server answers an anonymous ListBuckets on `port`. */
async function answersS3(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200 && response.headers.has('x-amz-request-id');
  } catch {
    return false;
  }
}

/**
 * Starts a throwaway radosgw on a free loopback port, on a fresh one-node Ceph cluster that
 * keeps everything in memory, and resolves once it answers S3 requests and its user exists.
 * When `WHARF_TEST_S3_URL` is set (and `allowExisting` is not false), it resolves with a
 * handle to that server instead, whose `stop()` does nothing; its keys and region come from
 * `WHARF_TEST_S3_ACCESS_KEY_ID`, `WHARF_TEST_S3_SECRET_ACCESS_KEY` and `WHARF_TEST_S3_REGION`.
 *
 * Uses Debian's `radosgw`, `ceph-mon` and `ceph-osd` packages. A cold start takes one to
 * three seconds; the three daemons use about 140 MB of memory plus what is stored. They are
 * stopped at process exit if the caller does not.
 *
 * @example
 * const s3 = await startRadosgw();
 * const client = new S3Client({
 *   endpoint: s3.url,
 *   region: s3.region,
 *   forcePathStyle: true,
 *   credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
 * });
 * afterAll(() => s3.stop());
 */
export async function startRadosgw(options: RadosgwOptions = {}): Promise<RadosgwServer> {
  const existing = options.allowExisting === false ? undefined : readVariable(s3UrlVariable);
  if (existing !== undefined) return existingRadosgw(existing, options);

  const binaries = requireBinaries(
    ['radosgw', 'radosgw-admin', 'ceph', 'ceph-mon', 'monmaptool', 'ceph-osd'],
    options.binDir,
    cephPackages,
  );
  const accessKeyId = options.accessKeyId ?? defaultAccessKeyId;
  const secretAccessKey = options.secretAccessKey ?? defaultSecretAccessKey;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  const directory = await mkdtemp(join(tmpdir(), 'wharf-radosgw-'));
  const logFile = cephLogFile(directory, radosgwName);

  // Registered before the first daemon starts, so that a start that fails or is interrupted
  // half-way leaves nothing behind either.
  const daemons: ServerProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      try {
        await Promise.all(daemons.map((daemon) => daemon.stop(stopSignal, stopGraceMs)));
      } finally {
        await rm(directory, { recursive: true, force: true });
        unregister();
      }
    })();
    return stopping;
  };
  const unregister = registerServer({
    stop,
    stopSync() {
      for (const daemon of daemons) daemon.killNow();
      rmSync(directory, { recursive: true, force: true });
    },
  });
  const track = (daemon: ServerProcess) => {
    daemons.push(daemon);
    if (stopping !== undefined) {
      daemon.killNow();
      throw new Error('the radosgw server was stopped while it was starting');
    }
  };

  /** Starts radosgw on `port` and waits until it answers S3 requests there. */
  const launchRadosgw = async (configFile: string, port: number) => {
    // Only this attempt's log, so that a failure is judged by its own lines.
    await writeFile(logFile, '');
    const radosgw = await spawnServerProcess(
      binaries.radosgw,
      [
        '-f',
        '-n',
        radosgwName,
        '--conf',
        configFile,
        '--rgw_frontends',
        `beast endpoint=${host}:${port}`,
      ],
      { cwd: directory, logFile },
    );
    track(radosgw);
    await waitUntil(
      async () => {
        if (radosgw.hasExited()) {
          throw new ServerStartError(
            `radosgw exited before answering on ${host}:${port}`,
            await readLogTail(logFile),
          );
        }
        return (await answersS3(port)) && !radosgw.hasExited();
      },
      {
        timeoutMs: remainingMs(deadline),
        onTimeout: async () =>
          new ServerStartError(
            `radosgw did not answer on ${host}:${port} in time`,
            await readLogTail(logFile),
          ),
      },
    );
    return port;
  };

  let port: number;
  try {
    const cluster = await launchCephCluster({
      binaries,
      directory,
      capacityBytes: options.capacityBytes ?? defaultCapacityBytes,
      deadline,
      track,
    });
    port = await withFreePort((candidate) => launchRadosgw(cluster.configFile, candidate));
    // After radosgw's first start, which creates the zone and its pools: radosgw-admin
    // would otherwise race it to create them.
    const user = await runCommand(
      binaries['radosgw-admin'],
      [
        '--conf',
        cluster.configFile,
        'user',
        'create',
        '--uid',
        userId,
        '--display-name',
        'wharf test user',
        '--access-key',
        accessKeyId,
        '--secret-key',
        secretAccessKey,
      ],
      { cwd: directory, timeoutMs: remainingMs(deadline) },
    );
    if (user.code !== 0) throw commandFailed('radosgw-admin user create', user);
  } catch (error) {
    await stop();
    throw error;
  }

  const handle: RadosgwServer = {
    url: `http://${host}:${port}`,
    host,
    port,
    region: defaultRegion,
    accessKeyId,
    secretAccessKey,
    external: false,
    directory,
    logFile,
    get pids() {
      return daemons.filter((daemon) => !daemon.hasExited()).map((daemon) => daemon.pid);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
  return handle;
}
