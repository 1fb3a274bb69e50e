/**
 * Profiles one run of a case with `node --cpu-prof` and prints where its CPU time goes, over
 * the timed part only (setup and the untimed warm-up or seed load are cut away), for every
 * thread of the process (the Parquet encoder workers included).
 *
 *   node profile-case.mjs --case sqlite [--runner <id>] [--rows 1000000] [--top 15] [--out DIR]
 *
 * `--runner` picks the store (the default), the baseline or a peer by id (see suites.mjs).
 * The profiles are kept under `<out>/profiles/<timestamp>-<runner>/` (default out:
 * bench-results/) to open in Chrome DevTools. A server's own work is not in them: for the
 * server backends, see the phases and server CPU in the benchmark's report.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareDatasets, startServers } from './bench-setup.mjs';
import { caseArguments } from './case-runtime.mjs';
import { formatProfileSummary, summarizeProfiles } from './profile-summary.mjs';
import { runCase } from './run-case.mjs';
import { runnerArguments, runnersOf, SUITES, scriptOf } from './suites.mjs';

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const args = caseArguments(process.argv.slice(2).filter((token) => token !== '--'));
const suite = SUITES.find((candidate) => candidate.name === args.case);
if (!suite) {
  throw new Error(`--case: one of ${SUITES.map((candidate) => candidate.name).join(', ')}`);
}
const unavailable = suite.unavailable();
if (unavailable) throw new Error(`${suite.name}: ${unavailable}`);
const runner = args.runner
  ? runnersOf(suite).find((candidate) => candidate.id === args.runner)
  : suite.subject;
if (!runner) {
  throw new Error(
    `--runner: one of ${runnersOf(suite)
      .map((candidate) => candidate.id)
      .join(', ')}`,
  );
}
const rows = Number(args.rows ?? 1_000_000);
const out = String(args.out ?? join(benchDirectory, 'bench-results'));
const stamp = new Date()
  .toISOString()
  .replaceAll(':', '-')
  .replace(/\.\d+Z$/, 'Z');
const profileDirectory = join(out, 'profiles', `${stamp}-${runner.id}`);
await mkdir(profileDirectory, { recursive: true });

const work = await mkdtemp(join(tmpdir(), 'wharf-bench-profile-'));
let servers;
try {
  const datasets = await prepareDatasets(
    work,
    {
      arrowRows: runner.arrow ? [rows] : [],
      csvRows: rows,
      csvDialects: runner.csv ? [runner.csv] : [],
    },
    (line) => console.log(line),
  );
  servers = await startServers(new Set(suite.server ? [suite.server] : []));
  const outcome = await runCase(
    scriptOf(runner, benchDirectory),
    runnerArguments(suite, runner, { rows, datasets, servers, work }),
    { cwd: benchDirectory, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`] },
  );
  if (!outcome.ok) throw new Error(`${runner.label} failed: ${outcome.error}`);
  const { result } = outcome;
  console.log(
    `\n${runner.label}, ${rows.toLocaleString('en-US')} rows: ${result.seconds.toFixed(2)} s`,
  );
  if (result.phases) {
    const { readSeconds, writeSeconds, finishSeconds } = result.phases;
    console.log(
      `phases: read input ${readSeconds.toFixed(2)} s, write() ${writeSeconds.toFixed(2)} s, finish() ${finishSeconds.toFixed(2)} s`,
    );
  }
  const files = (await readdir(profileDirectory)).filter((file) => file.endsWith('.cpuprofile'));
  const profiles = [];
  for (const file of files) {
    profiles.push({
      file,
      profile: JSON.parse(await readFile(join(profileDirectory, file), 'utf8')),
    });
  }
  const summary = summarizeProfiles(profiles, result.window, { top: Number(args.top ?? 15) });
  await writeFile(
    join(profileDirectory, 'summary.json'),
    `${JSON.stringify({ suite: suite.name, runner: runner.id, rows, result, summary }, null, 2)}\n`,
  );
  console.log(`\n${formatProfileSummary(summary)}`);
  console.log(`profiles: ${profileDirectory}`);
} finally {
  await servers?.stop();
  await rm(work, { recursive: true, force: true });
}
