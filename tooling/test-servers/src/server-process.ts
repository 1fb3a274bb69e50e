/**
 * A long-running server started as a direct child of this process, with its output appended
 * to a log file.
 *
 * Keeping the server a direct child (rather than letting a launcher daemonize it) means this
 * process reaps it: once {@link ServerProcess.stop} resolves, its pid is gone for real, not
 * a zombie waiting for init. The child is unref'd so that a test run which forgets to stop a
 * server still ends; the cleanup registry then stops it on the way out.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/** How a server process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running server child process. */
export interface ServerProcess {
  readonly pid: number;
  /** Resolves when the process has exited and been reaped. */
  readonly exited: Promise<ProcessExit>;
  hasExited(): boolean;
  /** Sends `signal`, waits up to `graceMs` for the exit, then SIGKILLs and waits again. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
  /** SIGKILLs without waiting; for the synchronous exit path only. */
  killNow(): void;
}

/** Where and as whom a server process runs. */
export interface SpawnOptions {
  cwd: string;
  logFile: string;
  uid?: number;
  gid?: number;
}

/** Spawns `command` and resolves once the operating system has started it. */
export async function spawnServerProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<ServerProcess> {
  const logFd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid!;
  let exitedFlag = false;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      resolve({ code, signal });
    });
  });
  child.unref();

  return {
    pid,
    exited,
    hasExited: () => exitedFlag,
    async stop(signal, graceMs) {
      if (exitedFlag) return;
      // Hold the event loop open until the child is reaped.
      child.ref();
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
    killNow() {
      if (!exitedFlag) child.kill('SIGKILL');
    },
  };
}
