import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { findPostgresBinDir } from '../src/locate-binary.js';
import { sendRedisCommand } from '../src/resp-client.js';

const execFileAsync = promisify(execFile);

/** True while a process with this pid exists (kill(pid, 0) does not fail with ESRCH). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Waits until `pid` is gone. Only for servers whose parent process has exited: they are
 * reaped by init, which may take a moment.
 */
export async function waitUntilGone(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** The postmaster pid that PostgreSQL wrote into its data directory. */
export function postmasterPid(dataDirectory: string): number {
  const firstLine = readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0];
  return Number(firstLine);
}

/** Runs SQL through psql from the same PostgreSQL installation; returns unaligned output. */
export async function psql(url: string, sql: string): Promise<string> {
  const psqlPath = join(findPostgresBinDir()!, 'psql');
  const { stdout } = await execFileAsync(psqlPath, [
    '-X',
    '--no-password',
    '-v',
    'ON_ERROR_STOP=1',
    '-At',
    '-d',
    url,
    '-c',
    sql,
  ]);
  return stdout.trim();
}

/** Sends one command to a Redis node over a raw socket. */
export function redis(port: number, ...args: string[]) {
  return sendRedisCommand('127.0.0.1', port, args);
}
