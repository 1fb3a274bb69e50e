/**
 * The machine a run was measured on, for the results file and BENCHMARKS.md: CPUs, memory,
 * Node.js, the load average, and the versions of the native baselines.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { findPostgresBinDir } from '@wharf/test-servers';
import { repoRoot } from './workspace-packages.mjs';

const require = createRequire(import.meta.url);

function output(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The 1-, 5- and 15-minute load averages, rounded. */
export function loadAverage() {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

function packageVersion(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return undefined;
  }
}

/** A description of this machine and of the tools the baselines use. */
export function describeMachine() {
  const postgresBin = findPostgresBinDir();
  const commit = output('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot });
  const dirty = output('git', ['status', '--porcelain'], { cwd: repoRoot });
  return {
    nproc: Number(output('nproc', [])) || cpus().length,
    cpuModel: cpus()[0]?.model,
    kernel: release(),
    memory: output('free', ['-h']),
    node: process.version,
    loadAverage: loadAverage(),
    commit: commit && `${commit}${dirty ? ' (with uncommitted changes)' : ''}`,
    tools: {
      duckdb: packageVersion('@duckdb/node-api'),
      betterSqlite3: packageVersion('better-sqlite3'),
      parquetWasm: packageVersion('parquet-wasm'),
      sqlite3: output('sqlite3', ['--version'])?.split(' ')[0],
      psql: postgresBin && output(join(postgresBin, 'psql'), ['--version']),
      redisBenchmark: output('redis-benchmark', ['--version']),
      redisServer: output('redis-server', ['--version'])?.split(' ')[2],
    },
  };
}
