/**
 * What every case process shares: its command-line arguments, the timed load of a store, the
 * timed run of a native tool, and the one JSON line it prints for the orchestrator:
 *
 *   { "rows": 1000000, "seconds": 1.84, "maxRssBytes": 118923264, ... }
 *
 * `maxRssBytes` is the peak resident memory of the process that did the work: this Node.js
 * process (worker threads included; see `peakRssBytes`), or for a native tool its own peak as
 * `/usr/bin/time -v` reports it (null when GNU time is not installed).
 * `window` is the timed interval on the monotonic clock in microseconds, the clock of V8's CPU
 * profiles, so a profile can be cut down to exactly the timed part.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFlow } from '@wharf/store-core';
import { readArrowFile } from './dataset-files.mjs';
import { generateDataset } from './generate-dataset.mjs';

const GNU_TIME = '/usr/bin/time';

/** `--name value` pairs (and bare `--flag`s, as true) of this process's command line. */
export function caseArguments(argv = process.argv.slice(2)) {
  const parsed = {};
  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index];
    if (!token.startsWith('--')) throw new Error(`unexpected argument: ${token}`);
    const next = argv[index + 1];
    if (next === undefined || next.startsWith('--')) {
      parsed[token.slice(2)] = true;
    } else {
      parsed[token.slice(2)] = next;
      index += 1;
    }
  }
  return parsed;
}

/** An argument that must be there. */
export function required(args, name) {
  const value = args[name];
  if (value === undefined || value === true) throw new Error(`missing --${name}`);
  return value;
}

function monotonicMicros() {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * This process's peak resident memory. On Linux it is `VmHWM` from /proc/self/status: the
 * high-water mark of this process's own address space. Not `process.resourceUsage().maxRSS`
 * there: Linux carries a parent's peak into a child across fork and exec, so every case
 * would report at least the orchestrator's peak.
 */
export function peakRssBytes() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Prints the result line; adds this process's peak memory unless the result has its own. */
export function printResult(result) {
  const maxRssBytes = result.maxRssBytes === undefined ? peakRssBytes() : result.maxRssBytes;
  process.stdout.write(`${JSON.stringify({ ...result, maxRssBytes })}\n`);
}

/**
 * One untimed row (id `-1`), loaded before the timed run so that the table exists and the
 * timed run takes the append path of an `incremental` load, as every load after a table's
 * first does.
 */
export function seedBatches() {
  return generateDataset({ rows: 1, startId: -1 });
}

/**
 * Runs the Arrow file into `store` through `runFlow` and times it (the store is connected
 * before). No retries: a benchmark run that needed one would not measure a load. Also reports
 * where the time went: reading the input file, the `write()` calls (staging), `finish()`.
 */
export async function timeStoreLoad(store, arrowPath, runType) {
  let readMs = 0;
  let lastWriteAt;
  function* source() {
    const batches = readArrowFile(arrowPath);
    for (;;) {
      const before = performance.now();
      const next = batches.next();
      readMs += performance.now() - before;
      if (next.done) return;
      yield next.value;
    }
  }
  const startMicros = monotonicMicros();
  const started = performance.now();
  const report = await runFlow(source, store, {
    runType,
    retries: 0,
    onProgress: () => {
      lastWriteAt = performance.now();
    },
  });
  const ended = performance.now();
  const endMicros = monotonicMicros();
  lastWriteAt ??= started;
  return {
    rows: report.rows,
    seconds: (ended - started) / 1000,
    window: { startMicros, endMicros },
    phases: {
      readSeconds: readMs / 1000,
      writeSeconds: (lastWriteAt - started - readMs) / 1000,
      finishSeconds: (ended - lastWriteAt) / 1000,
    },
  };
}

/** Times an in-process baseline: `load()` returns the rows it loaded. */
export async function timeLoad(load) {
  const startMicros = monotonicMicros();
  const started = performance.now();
  const rows = await load();
  const seconds = (performance.now() - started) / 1000;
  return { rows, seconds, window: { startMicros, endMicros: monotonicMicros() } };
}

/** Runs a command to completion, untimed (setup and cleanup); throws with its output on failure. */
export function runCommand(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.status}: ${result.stderr || result.stdout}`,
    );
  }
  return result.stdout;
}

function maxRssFromTimeReport(report) {
  const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
  return match ? Number(match[1]) * 1024 : null;
}

/**
 * Runs a native tool and times it from spawn to exit. Under GNU time (`/usr/bin/time -v`)
 * when it is installed, for the tool's own peak memory; otherwise `maxRssBytes` is null.
 */
export async function timeCommand(command, args, { input, ...options } = {}) {
  const reportDirectory = await mkdtemp(join(tmpdir(), 'wharf-bench-time-'));
  const reportFile = join(reportDirectory, 'time.txt');
  const measured = existsSync(GNU_TIME);
  const [program, programArgs] = measured
    ? [GNU_TIME, ['-v', '-o', reportFile, command, ...args]]
    : [command, args];
  try {
    const startMicros = monotonicMicros();
    const started = performance.now();
    const { code, stdout, stderr } = await new Promise((resolve, reject) => {
      const child = spawn(program, programArgs, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (chunk) => {
        out += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk) => {
        err += chunk;
      });
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
      child.stdin.end(input ?? '');
    });
    const seconds = (performance.now() - started) / 1000;
    const endMicros = monotonicMicros();
    if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr || stdout}`);
    const maxRssBytes = measured ? maxRssFromTimeReport(await readFile(reportFile, 'utf8')) : null;
    return { seconds, maxRssBytes, stdout, stderr, window: { startMicros, endMicros } };
  } finally {
    await rm(reportDirectory, { recursive: true, force: true });
  }
}
