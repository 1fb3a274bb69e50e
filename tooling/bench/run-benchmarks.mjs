/**
 * The benchmark orchestrator. For each backend it writes the dataset files (untimed), starts
 * the throwaway server the backend needs, then runs the store and its baseline (and peers) as
 * separate processes in turn — store, baseline, store, baseline … — so both see the same
 * machine at nearly the same moment, and reports medians and the per-round ratios.
 *
 *   node run-benchmarks.mjs [--full] [--case sqlite[,parquet…]] [--rows N] [--pairs N]
 *                           [--rss-rows N] [--out DIR]
 *
 * Quick (the default): 1M rows, 3 rounds, plus the store at 3M rows for parquet and sqlite to
 * show whether peak memory stays flat. `--full` (or WHARF_BENCH_FULL=1): 10M rows, 5 rounds,
 * and every store also at 1M rows for the memory comparison. `--rows`, `--pairs` and
 * `--rss-rows` override the mode (`--rss-rows 0` skips the memory comparison), e.g. for a
 * smoke run of the harness itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareDatasets, startServers } from './bench-setup.mjs';
import { caseArguments } from './case-runtime.mjs';
import { describeMachine, loadAverage } from './machine-info.mjs';
import { formatReport, summarize, writeResults } from './report.mjs';
import { runCase } from './run-case.mjs';
import { runnerArguments, runnersOf, SUITES, scriptOf } from './suites.mjs';

const benchDirectory = dirname(fileURLToPath(import.meta.url));

const MODES = {
  quick: {
    rows: 1_000_000,
    pairs: 3,
    rssRows: 3_000_000,
    rssRuns: 2,
    rssSuites: ['parquet', 'sqlite'],
    timeoutMs: 20 * 60_000,
  },
  full: {
    rows: 10_000_000,
    pairs: 5,
    rssRows: 1_000_000,
    rssRuns: 2,
    rssSuites: SUITES.map((suite) => suite.name),
    timeoutMs: 3 * 60 * 60_000,
  },
};

function positiveInteger(value, name, { allowZero = false } = {}) {
  const number = Number(String(value).replaceAll('_', ''));
  if (!Number.isSafeInteger(number) || number < (allowZero ? 0 : 1)) {
    throw new Error(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
  }
  return number;
}

/** The settings of this run from the command line (a bare `--` from pnpm is ignored). */
function settingsFrom(argv, environment) {
  const args = caseArguments(argv.filter((token) => token !== '--'));
  const known = new Set(['full', 'case', 'rows', 'pairs', 'rss-rows', 'out']);
  for (const name of Object.keys(args)) {
    if (!known.has(name)) throw new Error(`unknown option --${name}`);
  }
  const full =
    args.full === true || ['1', 'true', 'full'].includes(environment.WHARF_BENCH_FULL ?? '');
  const mode = MODES[full ? 'full' : 'quick'];
  const names = SUITES.map((suite) => suite.name);
  const cases = args.case
    ? String(args.case)
        .split(',')
        .map((name) => name.trim())
    : names;
  for (const name of cases) {
    if (!names.includes(name)) throw new Error(`--case ${name}: one of ${names.join(', ')}`);
  }
  return {
    mode: full ? 'full' : 'quick',
    cases,
    rows: args.rows ? positiveInteger(args.rows, 'rows') : mode.rows,
    pairs: args.pairs ? positiveInteger(args.pairs, 'pairs') : mode.pairs,
    rssRows:
      args['rss-rows'] !== undefined
        ? positiveInteger(args['rss-rows'], 'rss-rows', { allowZero: true })
        : mode.rssRows,
    rssRuns: mode.rssRuns,
    rssSuites: mode.rssSuites,
    timeoutMs: mode.timeoutMs,
    out: args.out ? String(args.out) : join(benchDirectory, 'bench-results'),
  };
}

const log = (line = '') => process.stdout.write(`${line}\n`);

function describeRun(run) {
  if (!run.ok) return `FAILED: ${run.error.split('\n')[0]}`;
  const rss = run.maxRssBytes == null ? 'n/a' : `${Math.round(run.maxRssBytes / 1e6)} MB`;
  const rate = Math.round(run.rows / run.seconds).toLocaleString('en-US');
  return `${run.seconds.toFixed(2)} s  ${rate} rows/s  peak ${rss}`;
}

async function runSuite(suite, settings, datasets, work) {
  const reason = suite.unavailable();
  const runners = runnersOf(suite).map((runner) => ({
    id: runner.id,
    label: runner.label,
    role: runner === suite.subject ? 'subject' : runner === suite.baseline ? 'baseline' : 'peer',
    spec: runner,
    skipped: runner.unavailable?.(),
    runs: [],
  }));
  const entry = {
    name: suite.name,
    runType: suite.runType,
    target: suite.target,
    skipped: reason,
    runners,
    rssRows: settings.rssRows,
    rssRuns: [],
  };
  if (reason) {
    log(`${suite.name}: skipped (${reason})`);
    return entry;
  }
  const servers = await startServers(new Set(suite.server ? [suite.server] : []));
  try {
    const run = async (runner, rows) => {
      const args = runnerArguments(suite, runner, { rows, datasets, servers, work });
      const outcome = await runCase(scriptOf(runner, benchDirectory), args, {
        cwd: benchDirectory,
        timeoutMs: settings.timeoutMs,
      });
      // The 1-minute load average as the run ends: on a shared machine, what else was running.
      const [loadAverage1m] = loadAverage();
      if (!outcome.ok) return { ok: false, rows, loadAverage1m, error: outcome.error };
      if (outcome.result.rows !== rows) {
        return {
          ok: false,
          rows,
          loadAverage1m,
          error: `loaded ${outcome.result.rows} rows, not ${rows}`,
        };
      }
      return { ok: true, ...outcome.result, loadAverage1m };
    };
    const active = runners.filter((runner) => !runner.skipped);
    for (const runner of runners.filter((candidate) => candidate.skipped)) {
      log(`${suite.name}  ${runner.label}: skipped (${runner.skipped})`);
    }
    for (let round = 1; round <= settings.pairs; round += 1) {
      for (const runner of active) {
        const result = { round, ...(await run(runner.spec, settings.rows)) };
        runner.runs.push(result);
        log(
          `${suite.name}  round ${round}/${settings.pairs}  ${runner.label}: ${describeRun(result)}`,
        );
      }
    }
    if (settings.rssRows > 0 && settings.rssSuites.includes(suite.name)) {
      for (let index = 1; index <= settings.rssRuns; index += 1) {
        const result = await run(suite.subject, settings.rssRows);
        entry.rssRuns.push(result);
        log(
          `${suite.name}  memory ${index}/${settings.rssRuns}  ${suite.subject.label} at ` +
            `${settings.rssRows.toLocaleString('en-US')} rows: ${describeRun(result)}`,
        );
      }
    }
  } finally {
    await servers.stop();
  }
  for (const runner of runners) delete runner.spec;
  return entry;
}

async function main() {
  const settings = settingsFrom(process.argv.slice(2), process.env);
  const suites = SUITES.filter((suite) => settings.cases.includes(suite.name));
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  log(`wharf benchmarks (${settings.mode}): ${suites.map((suite) => suite.name).join(', ')}`);
  log(
    `${machine.nproc} CPUs, Node.js ${machine.node}, load average ${machine.loadAverage.join(' ')}`,
  );
  if (machine.loadAverage[0] > machine.nproc * 0.75) {
    log('note: the machine is busy; ratios hold up better than absolute times, but not fully');
  }

  const work = await mkdtemp(join(tmpdir(), 'wharf-bench-'));
  try {
    const runnable = suites.filter((suite) => !suite.unavailable());
    const withRss = runnable.filter((suite) => settings.rssSuites.includes(suite.name));
    const csvDialects = new Set(
      runnable.flatMap((suite) => runnersOf(suite).map((runner) => runner.csv)).filter(Boolean),
    );
    log('\ndataset files (not timed):');
    const datasets = await prepareDatasets(
      work,
      {
        arrowRows: [
          settings.rows,
          ...(settings.rssRows > 0 && withRss.length > 0 ? [settings.rssRows] : []),
        ].filter((rows, index, all) => all.indexOf(rows) === index),
        csvRows: settings.rows,
        csvDialects: [...csvDialects],
      },
      log,
    );
    log();

    const entries = [];
    for (const suite of suites) entries.push(await runSuite(suite, settings, datasets, work));

    const results = {
      startedAt,
      finishedAt: new Date().toISOString(),
      mode: settings.mode,
      command: ['pnpm bench', ...process.argv.slice(2).filter((token) => token !== '--')].join(' '),
      settings: {
        rows: settings.rows,
        pairs: settings.pairs,
        rssRows: settings.rssRows,
        rssRuns: settings.rssRuns,
        rssSuites: settings.rssSuites,
      },
      machine,
      loadAverageAtEnd: loadAverage(),
      datasets: Object.fromEntries(
        Object.entries(datasets).map(([rows, files]) => [
          rows,
          {
            arrow: files.arrow && {
              arrowBytes: files.arrow.arrowBytes,
              fileBytes: files.arrow.fileBytes,
            },
            csv: Object.fromEntries(
              Object.entries(files.csv).map(([dialect, file]) => [dialect, file.fileBytes]),
            ),
          },
        ]),
      ),
      suites: entries,
    };
    const summary = summarize(results);
    const path = await writeResults(settings.out, { ...results, summary });
    log(`\n${formatReport(results, summary)}`);
    log(`load average at the end: ${results.loadAverageAtEnd.join(' ')}`);
    log(`results: ${path}`);
    const failed = entries.some((suite) =>
      [...suite.runners.flatMap((runner) => runner.runs), ...suite.rssRuns].some((run) => !run.ok),
    );
    if (failed) process.exitCode = 1;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
