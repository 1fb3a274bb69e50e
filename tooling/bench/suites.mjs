/**
 * What is measured: per backend, the store (the subject), the fastest native way to do the
 * same load (the baseline, which the target ratio is against) and peers shown for context.
 * Each runner is a script in cases/ that runs as its own process and prints one JSON line.
 *
 * A runner names its inputs: `arrow` (the dataset's Arrow IPC file) and/or a CSV dialect (see
 * csv-format.mjs), and the server it needs (see bench-setup.mjs). `unavailable()` returns why a suite or a runner
 * cannot run on this machine or checkout (it is then reported as skipped), or undefined.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findPostgresBinDir } from '@wharf/test-servers';
import { workspacePackageEntry } from './workspace-packages.mjs';

/** The path of a command on PATH, or undefined. */
export function commandPath(name) {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function missingCommands(...names) {
  const missing = names.filter((name) => !commandPath(name));
  return missing.length > 0 ? `${missing.join(', ')} not installed` : undefined;
}

function missingPackage(folder) {
  return workspacePackageEntry(folder)
    ? undefined
    : `packages/${folder} is not in this checkout or not built`;
}

/**
 * A cloud store's suite: the store's `full_drop` of the dataset; as baseline the raw SDK upload
 * of the same Parquet bytes (encoded untimed), so the ratio is the store's whole cost —
 * encoding included — against a pure upload; as peer a hygge-style publish (upload to
 * staging, then move each file into place).
 */
function cloudSuite({ name, upload, publish, unavailable }) {
  const runner = (script, ...args) => ({ script, args: ['--cloud', name, ...args], arrow: true });
  return {
    name,
    runType: 'full_drop',
    server: name,
    target: { ratio: 0.9, text: `store-${name} ≥ 0.9× raw SDK upload of the same Parquet bytes` },
    unavailable,
    subject: {
      id: `${name}-store`,
      label: `store-${name} full_drop`,
      ...runner('cloud-store.mjs'),
    },
    baseline: {
      id: `${name}-upload`,
      label: `${upload}, same Parquet bytes (encoded untimed)`,
      ...runner('cloud-upload.mjs'),
    },
    peers: [
      {
        id: `${name}-copy-publish`,
        label: `hygge-style: upload to staging, then ${publish}`,
        ...runner('cloud-upload.mjs', '--publish', 'move'),
      },
    ],
  };
}

export const SUITES = [
  {
    name: 'parquet',
    runType: 'full_drop',
    target: { ratio: 1.0, text: 'store-parquet ≥ 1.0× DuckDB COPY … TO parquet' },
    unavailable: () => undefined,
    subject: {
      id: 'parquet-store',
      label: 'store-parquet full_drop',
      script: 'parquet-store.mjs',
      arrow: true,
    },
    baseline: {
      id: 'duckdb-copy-csv',
      label: "DuckDB COPY (SELECT * FROM read_csv(…)) TO 'x.parquet'",
      script: 'parquet-duckdb.mjs',
      args: ['--source', 'csv'],
      csv: 'iso',
    },
    peers: [
      {
        id: 'duckdb-copy-table',
        label: "DuckDB COPY table TO 'x.parquet' (table loaded untimed)",
        script: 'parquet-duckdb.mjs',
        args: ['--source', 'table'],
        csv: 'iso',
      },
      {
        id: 'parquet-wasm',
        label: 'parquet-wasm writeParquet, one thread',
        script: 'parquet-wasm.mjs',
        arrow: true,
      },
    ],
  },
  {
    name: 'sqlite',
    runType: 'incremental',
    target: { ratio: 1.0, text: 'store-sqlite ≥ 1.0× raw better-sqlite3' },
    unavailable: () => undefined,
    subject: {
      id: 'sqlite-store',
      label: 'store-sqlite incremental',
      script: 'sqlite-store.mjs',
      arrow: true,
    },
    baseline: {
      id: 'better-sqlite3',
      label: 'better-sqlite3 prepared INSERT, one transaction',
      script: 'sqlite-better-sqlite3.mjs',
      arrow: true,
    },
    peers: [
      {
        id: 'sqlite3-import',
        label: 'sqlite3 shell .import --csv',
        script: 'sqlite-shell.mjs',
        csv: 'sqlite',
        unavailable: () => missingCommands('sqlite3'),
      },
    ],
  },
  {
    name: 'postgres',
    runType: 'incremental',
    server: 'postgres',
    target: { ratio: 1.1, text: 'store-postgres ≥ 1.1× psql \\copy' },
    unavailable: () =>
      missingPackage('store-postgres') ??
      (findPostgresBinDir() ? undefined : 'PostgreSQL (initdb, psql) not installed'),
    subject: {
      id: 'postgres-store',
      label: 'store-postgres incremental',
      script: 'postgres-store.mjs',
      arrow: true,
    },
    baseline: {
      id: 'psql-copy',
      label: "psql \\copy t FROM 'x.csv' CSV",
      script: 'postgres-psql.mjs',
      csv: 'iso',
    },
    peers: [],
  },
  {
    name: 'redis',
    runType: 'incremental',
    server: 'redis',
    target: { ratio: 1.0, text: 'store-redis ≥ 1.0× redis-benchmark' },
    unavailable: () =>
      missingPackage('store-redis') ??
      missingCommands('redis-server', 'redis-cli', 'redis-benchmark'),
    subject: {
      id: 'redis-store',
      label: 'store-redis incremental',
      script: 'redis-store.mjs',
      arrow: true,
    },
    baseline: {
      id: 'redis-benchmark',
      label: 'redis-benchmark -P 100 HSET (8 fields)',
      script: 'redis-benchmark.mjs',
    },
    peers: [],
  },
  cloudSuite({
    name: 's3',
    upload: 'lib-storage Upload',
    publish: 'CopyObject + DeleteObject',
    unavailable: () =>
      missingPackage('store-s3') ??
      missingCommands('radosgw', 'radosgw-admin', 'ceph', 'ceph-mon', 'ceph-osd', 'monmaptool'),
  }),
  cloudSuite({
    name: 'gcs',
    upload: 'file.save (resumable > 8 MiB)',
    publish: 'file.copy + delete',
    unavailable: () => missingPackage('store-gcs'),
  }),
  cloudSuite({
    name: 'adls',
    upload: 'DataLakeFileClient.upload',
    publish: 'rename (DFS has no server-side copy)',
    unavailable: () => missingPackage('store-adls'),
  }),
];

/** The subject, the baseline and the peers of a suite, in the order a round runs them. */
export function runnersOf(suite) {
  return [suite.subject, suite.baseline, ...suite.peers];
}

/** The path of a runner's script. */
export function scriptOf(runner, benchDirectory) {
  return join(benchDirectory, 'cases', runner.script);
}

/**
 * The command-line arguments of a runner's process: the row count, a scratch directory, its
 * input files and where its server is (`servers` from bench-setup.mjs' `startServers`), then
 * the runner's own arguments.
 */
export function runnerArguments(suite, runner, { rows, datasets, servers, work }) {
  const args = ['--rows', String(rows), '--work', work];
  if (runner.arrow) args.push('--arrow', datasets[rows].arrow.path);
  if (runner.csv) args.push('--csv', datasets[rows].csv[runner.csv].path);
  if (suite.server) args.push(...servers.args[suite.server]);
  return [...args, ...(runner.args ?? [])];
}
