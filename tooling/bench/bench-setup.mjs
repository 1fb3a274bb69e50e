/**
 * What a run needs before any timing: the dataset files (written once per row count, from the
 * one generator) and the throwaway servers from @wharf/test-servers.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, startRadosgw, startRedis } from '@wharf/test-servers';
import { writeArrowFile, writeCsvFile } from './dataset-files.mjs';
import { DEFAULT_SEED } from './generate-dataset.mjs';

/**
 * Writes the Arrow file for each row count in `arrowRows` and a CSV file per dialect in
 * `csvDialects` for `csvRows`, into `directory`. Returns
 * `{ [rows]: { arrow: { path, arrowBytes, fileBytes }, csv: { [dialect]: { path, fileBytes } } } }`.
 */
export async function prepareDatasets(directory, { arrowRows, csvRows, csvDialects }, log) {
  const datasets = {};
  for (const rows of arrowRows) {
    const path = join(directory, `data-${rows}.arrows`);
    const started = performance.now();
    const written = await writeArrowFile(path, { rows, seed: DEFAULT_SEED });
    datasets[rows] = { arrow: { path, ...written }, csv: {} };
    log(`  ${path}: ${mb(written.fileBytes)} (${seconds(started)})`);
  }
  for (const dialect of csvDialects) {
    const path = join(directory, `data-${csvRows}.${dialect}.csv`);
    const started = performance.now();
    const written = await writeCsvFile(path, { rows: csvRows, seed: DEFAULT_SEED, dialect });
    datasets[csvRows] ??= { csv: {} };
    datasets[csvRows].csv[dialect] = { path, fileBytes: written.fileBytes };
    log(`  ${path}: ${mb(written.fileBytes)} (${seconds(started)})`);
  }
  return datasets;
}

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

function seconds(started) {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

/**
 * Starts a throwaway server of each kind in `kinds` (`'postgres'`, `'redis'`, `'gcs'`,
 * `'adls'`, `'s3'`), never one from the environment. Returns, per kind, the arguments that
 * tell a case process where its server is (`--postgres-url …`; for the cloud servers also
 * `--server-pids`, the processes whose CPU time is the server's), and a `stop()` for all.
 *
 * PostgreSQL, Redis and radosgw (the S3 gateway, with its Ceph monitor and OSD) run as their
 * own processes. The Cloud Storage and ADLS Gen2 protocol test servers answer in-process, so
 * each runs in a child process of its own (protocol-server.mjs), not in the timed case.
 */
export async function startServers(kinds) {
  const started = [];
  const args = {};
  try {
    if (kinds.has('postgres')) {
      const server = await startPostgres({ allowExisting: false });
      started.push(server);
      args.postgres = ['--postgres-url', server.url];
    }
    if (kinds.has('redis')) {
      const server = await startRedis({ allowExisting: false });
      started.push(server);
      args.redis = ['--redis-url', server.url];
    }
    if (kinds.has('gcs')) {
      const server = await startProtocolServer('gcs');
      started.push(server);
      args.gcs = [
        '--gcs-url',
        server.line.url,
        '--gcs-project',
        server.line.projectId,
        '--server-pids',
        String(server.pid),
      ];
    }
    if (kinds.has('adls')) {
      const server = await startProtocolServer('adls');
      started.push(server);
      args.adls = [
        '--adls-url',
        server.line.url,
        '--adls-account',
        server.line.account,
        '--adls-account-key',
        server.line.accountKey,
        '--server-pids',
        String(server.pid),
      ];
    }
    if (kinds.has('s3')) {
      const server = await startRadosgw({ allowExisting: false, capacityBytes: RADOSGW_BYTES });
      started.push(server);
      args.s3 = [
        '--s3-url',
        server.url,
        '--s3-region',
        server.region,
        '--s3-access-key-id',
        server.accessKeyId,
        '--s3-secret-access-key',
        server.secretAccessKey,
        '--server-pids',
        server.pids.join(','),
      ];
    }
  } catch (error) {
    await Promise.allSettled(started.map((server) => server.stop()));
    throw error;
  }
  return {
    args,
    stop: async () => {
      await Promise.allSettled(started.map((server) => server.stop()));
    },
  };
}

/**
 * The memory store of radosgw's OSD: allocated only as data arrives, and every case removes
 * what it wrote, so this only has to hold the largest single run (a 10M-row peer run holds
 * about twice the dataset's Parquet bytes at its peak).
 */
const RADOSGW_BYTES = 8 * 1024 ** 3;

/** Starts protocol-server.mjs for `kind`; resolves once it printed its line. */
function startProtocolServer(kind) {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'protocol-server.mjs');
  const child = spawn(process.execPath, [script, kind], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${kind} protocol test server did not start in 30 s: ${stderr}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${kind} protocol test server exited with ${code}: ${stderr}`));
    });
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      resolve({
        pid: child.pid,
        line: JSON.parse(stdout.slice(0, end)),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
