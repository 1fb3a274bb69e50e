/**
 * A throwaway one-node Ceph cluster (RADOS) for radosgw to store into: one monitor on a free
 * loopback port and one OSD that keeps everything in memory, both in the foreground as
 * direct children of this process, with their files in one temporary directory.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cephConfigFileName, cephLogFile, renderCephConfig } from './ceph-config.js';
import { withFreePort } from './free-port.js';
import { readLogTail } from './log-tail.js';
import { type RunResult, runCommand } from './run-command.js';
import { type ServerProcess, spawnServerProcess } from './server-process.js';
import { ServerStartError } from './server-start-error.js';
import { waitUntil } from './wait-until.js';

/** The binaries {@link launchCephCluster} runs, by name. */
export interface CephClusterBinaries {
  ceph: string;
  'ceph-mon': string;
  'ceph-osd': string;
  monmaptool: string;
}

/** What {@link launchCephCluster} starts. */
export interface CephClusterLaunchOptions {
  binaries: CephClusterBinaries;
  /** The cluster's temporary directory; it must exist and be empty. */
  directory: string;
  /** The capacity the in-memory OSD reports, in bytes. */
  capacityBytes: number;
  /** When the whole start must be done (milliseconds since the epoch). */
  deadline: number;
  /**
   * Called with each daemon as soon as it is spawned, so that the caller can stop it also
   * when the start fails or is interrupted half-way.
   */
  track: (daemon: ServerProcess) => void;
}

/** A running cluster. */
export interface CephCluster {
  /** The `ceph.conf` every client (radosgw, radosgw-admin, ceph) is given with `--conf`. */
  readonly configFile: string;
  readonly fsid: string;
  readonly monitor: ServerProcess;
  readonly osd: ServerProcess;
}

/** The milliseconds left until `deadline`; at least 1, so that a wait checks once more. */
export function remainingMs(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}

/** The error for a command that exited with a failure. */
export function commandFailed(what: string, result: RunResult): Error {
  return new Error(`${what} failed with exit code ${result.code}:\n${result.output.trimEnd()}`);
}

/** Runs the `ceph` command-line client against the cluster. */
export function runCeph(
  ceph: string,
  configFile: string,
  args: readonly string[],
  deadline: number,
): Promise<RunResult> {
  // The client waits (up to --connect-timeout seconds) until it reaches the monitor.
  return runCommand(ceph, ['--conf', configFile, '--connect-timeout', '5', ...args], {
    timeoutMs: Math.min(remainingMs(deadline), 15_000),
  });
}

/** Throws a start error with the daemon's log when it has exited. */
async function failIfExited(daemon: ServerProcess, what: string, logFile: string): Promise<void> {
  if (daemon.hasExited()) {
    throw new ServerStartError(`${what} exited during the start`, await readLogTail(logFile));
  }
}

/**
 * Creates the monitor's store for `monitorPort`, starts the monitor and resolves once the
 * cluster answers with its fsid there.
 */
async function launchMonitor(
  options: CephClusterLaunchOptions,
  configFile: string,
  fsid: string,
  monitorPort: number,
): Promise<ServerProcess> {
  const { binaries, directory, deadline } = options;
  const logFile = cephLogFile(directory, 'mon.a');
  const monmap = join(directory, 'monmap');
  // A previous attempt on another port may have left its store and log behind.
  await rm(join(directory, 'mon'), { recursive: true, force: true });
  await rm(logFile, { force: true });
  await writeFile(
    configFile,
    renderCephConfig({ fsid, directory, monitorPort, capacityBytes: options.capacityBytes }),
  );

  const run = (command: string, args: readonly string[]) =>
    runCommand(command, args, { cwd: directory, timeoutMs: remainingMs(deadline) });
  // monmaptool pins the monitor's address; without a map, `--mkfs` falls back to the
  // default ports 3300 and 6789.
  const created = await run(binaries.monmaptool, [
    '--create',
    '--fsid',
    fsid,
    '--addv',
    'a',
    `[v2:127.0.0.1:${monitorPort}]`,
    monmap,
  ]);
  if (created.code !== 0) throw commandFailed('monmaptool --create', created);
  const mkfs = await run(binaries['ceph-mon'], [
    '--mkfs',
    '-i',
    'a',
    '--conf',
    configFile,
    '--monmap',
    monmap,
  ]);
  if (mkfs.code !== 0) throw commandFailed('ceph-mon --mkfs', mkfs);

  const monitor = await spawnServerProcess(
    binaries['ceph-mon'],
    ['-f', '-i', 'a', '--conf', configFile],
    { cwd: directory, logFile },
  );
  options.track(monitor);
  await waitUntil(
    async () => {
      await failIfExited(monitor, `ceph-mon on 127.0.0.1:${monitorPort}`, logFile);
      const answer = await runCeph(binaries.ceph, configFile, ['fsid'], deadline);
      // The fsid proves that it is this monitor that answers on the port.
      return answer.code === 0 && answer.output.trim() === fsid;
    },
    {
      timeoutMs: remainingMs(deadline),
      onTimeout: async () =>
        new ServerStartError(
          `ceph-mon did not answer on 127.0.0.1:${monitorPort} in time`,
          await readLogTail(logFile),
        ),
    },
  );
  return monitor;
}

/** Adds OSD 0 to the cluster, creates its in-memory store and starts it. */
async function launchOsd(
  options: CephClusterLaunchOptions,
  configFile: string,
): Promise<ServerProcess> {
  const { binaries, directory, deadline } = options;
  const logFile = cephLogFile(directory, 'osd.0');
  const created = await runCeph(binaries.ceph, configFile, ['osd', 'create'], deadline);
  if (created.code !== 0) throw commandFailed('ceph osd create', created);
  const id = created.output.trim().split('\n').at(-1);
  if (id !== '0') throw new Error(`ceph osd create returned OSD id ${id}, expected 0`);

  // The in-memory store still keeps its identity files in the data directory.
  await mkdir(join(directory, 'osd'));
  const mkfs = await runCommand(binaries['ceph-osd'], ['--mkfs', '-i', '0', '--conf', configFile], {
    cwd: directory,
    timeoutMs: remainingMs(deadline),
  });
  if (mkfs.code !== 0) {
    throw new ServerStartError(
      `ceph-osd --mkfs failed with exit code ${mkfs.code}`,
      await readLogTail(logFile),
    );
  }

  const osd = await spawnServerProcess(
    binaries['ceph-osd'],
    ['-f', '-i', '0', '--conf', configFile],
    { cwd: directory, logFile },
  );
  options.track(osd);
  await waitUntil(
    async () => {
      await failIfExited(osd, 'ceph-osd', logFile);
      const status = await runCeph(
        binaries.ceph,
        configFile,
        ['osd', 'stat', '-f', 'json'],
        deadline,
      );
      return status.code === 0 && /"num_up_osds":\s*1\b/.test(status.output);
    },
    {
      timeoutMs: remainingMs(deadline),
      onTimeout: async () =>
        new ServerStartError('ceph-osd was not reported up in time', await readLogTail(logFile)),
    },
  );
  return osd;
}

/**
 * Starts a one-node cluster in `directory` and resolves once its OSD is up. On failure the
 * daemons already handed to `track` are left for the caller to stop.
 */
export async function launchCephCluster(options: CephClusterLaunchOptions): Promise<CephCluster> {
  const configFile = join(options.directory, cephConfigFileName);
  const fsid = randomUUID();
  const monitor = await withFreePort((port) => launchMonitor(options, configFile, fsid, port));
  const osd = await launchOsd(options, configFile);
  return { configFile, fsid, monitor, osd };
}
