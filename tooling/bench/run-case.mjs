/**
 * Runs one case script as its own Node.js process and returns its JSON result line, or the
 * reason it failed. The child inherits nothing from the orchestrator but the environment.
 */
import { spawn } from 'node:child_process';

/**
 * Runs `script` with `args` (and `nodeArgs` before it, e.g. `--cpu-prof`), killed after
 * `timeoutMs` when given. Resolves with `{ ok: true, result }` or `{ ok: false, error }`; never
 * rejects.
 */
export function runCase(script, args, { nodeArgs = [], timeoutMs, cwd } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = timeoutMs ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : undefined;
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error: error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout
        .trim()
        .split('\n')
        .reverse()
        .find((candidate) => candidate.startsWith('{'));
      if (code === 0 && line) {
        try {
          resolve({ ok: true, result: JSON.parse(line) });
          return;
        } catch {
          // Reported below with the output.
        }
      }
      const reason = signal
        ? `killed by ${signal}${timeoutMs ? ` (timeout ${timeoutMs} ms?)` : ''}`
        : `exit ${code}`;
      resolve({ ok: false, error: `${reason}: ${(stderr || stdout).trim().slice(-2000)}` });
    });
  });
}
