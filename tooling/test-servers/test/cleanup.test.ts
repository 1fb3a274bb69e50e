import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startRedis, stopAll } from '../src/index.js';
import { isRunning, waitUntilGone } from './helpers.js';

const builtEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Started {
  pids: number[];
  directories: string[];
}

/**
 * Runs `body` in a separate Node process with the built package imported as `servers`.
 * The body prints the started servers' pids and directories as one JSON line.
 */
function runScript(body: string): { child: ChildProcess; started: Promise<Started> } {
  if (!existsSync(builtEntry)) {
    throw new Error(`${builtEntry} is missing: run \`pnpm build\` first (turbo does before test)`);
  }
  const script = `import * as servers from ${JSON.stringify(pathToFileURL(builtEntry).href)};\n${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = new Promise<Started>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const newline = output.indexOf('\n');
      if (newline !== -1) resolve(JSON.parse(output.slice(0, newline)) as Started);
    });
    child.once('exit', (code) => reject(new Error(`script exited with ${code} before printing`)));
  });
  return { child, started };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function expectNothingLeft({ pids, directories }: Started): Promise<void> {
  for (const pid of pids) expect(await waitUntilGone(pid)).toBe(true);
  for (const directory of directories) expect(existsSync(directory)).toBe(false);
}

const startAll = `
const [postgres, redis, s3] = await Promise.all([
  servers.startPostgres({ allowExisting: false }),
  servers.startRedis({ allowExisting: false }),
  servers.startRadosgw({ allowExisting: false }),
]);
console.log(JSON.stringify({
  pids: [postgres.pid, redis.pid, ...s3.pids],
  directories: [postgres.directory, redis.directory, s3.directory],
}));
`;

describe('cleanup when a test run does not stop its servers', () => {
  it('stopAll() stops every server still running', async () => {
    const first = await startRedis({ allowExisting: false });
    const second = await startRedis({ allowExisting: false });
    const pids = [first.pid!, second.pid!];
    await stopAll();
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(existsSync(first.directory!)).toBe(false);
    expect(existsSync(second.directory!)).toBe(false);
  });

  it('stops them when the process runs out of work', async () => {
    const { child, started } = runScript(`
const redis = await servers.startRedis({ allowExisting: false });
console.log(JSON.stringify({ pids: [redis.pid], directories: [redis.directory] }));
`);
    const servers = await started;
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    await expectNothingLeft(servers);
  });

  it('kills them and removes their directories on process.exit()', async () => {
    const { child, started } = runScript(`${startAll}\nprocess.exit(3);`);
    const servers = await started;
    expect(await exitOf(child)).toEqual({ code: 3, signal: null });
    await expectNothingLeft(servers);
  });

  it('stops them on SIGTERM, then lets the signal end the process', async () => {
    const { child, started } = runScript(`${startAll}\nsetInterval(() => {}, 1_000);`);
    const servers = await started;
    for (const pid of servers.pids) expect(isRunning(pid)).toBe(true);
    child.kill('SIGTERM');
    expect(await exitOf(child)).toEqual({ code: null, signal: 'SIGTERM' });
    await expectNothingLeft(servers);
  });
});
