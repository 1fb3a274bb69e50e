import { spawn } from 'node:child_process';

/** Who runs a command and where. */
export interface RunOptions {
  cwd?: string;
  /** Run as this user (needs root). */
  uid?: number;
  /** Run with this group (needs root). */
  gid?: number;
  /** Kill the command after this long. @default 60_000 */
  timeoutMs?: number;
}

/** How a command ended: its exit code (null when a signal ended it) and its combined output. */
export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a short-lived command to completion and collects stdout and stderr together. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}
