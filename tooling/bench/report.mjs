/**
 * Turns the runs of a benchmark into its result: per runner the median rows/s, MB/s and peak
 * memory; per suite the ratio of each runner to the baseline of the same round (the median of
 * those per-round ratios, with their range), the targets met or missed, and whether the
 * store's peak memory stays flat as the load grows. Prints Markdown tables (BENCHMARKS.md
 * takes them as they are) and writes the whole run as JSON.
 *
 * Machines here are noisy: the ratio between two loads run back to back is the result, not
 * the absolute times.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Peak memory a store may use, at any size. */
export const RSS_LIMIT_BYTES = 300e6;
/** How much more memory the larger load may take than the smaller. */
export const RSS_GROWTH_LIMIT = 0.1;

/** The median of numbers (undefined for none). */
export function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const okRuns = (runs) => runs.filter((run) => run.ok);
const rate = (run) => run.rows / run.seconds;

function runnerSummary(suite, runner, baseline, datasets) {
  const runs = okRuns(runner.runs);
  const byRound = new Map(okRuns(baseline.runs).map((run) => [run.round, run]));
  const ratios = runs
    .filter((run) => byRound.has(run.round))
    .map((run) => rate(run) / rate(byRound.get(run.round)));
  const rssValues = runs.map((run) => run.maxRssBytes).filter((value) => value != null);
  const phaseOf = (name) => median(runs.map((run) => run.phases?.[name]).filter(Number.isFinite));
  const serverCpu = runs.map((run) => run.serverCpuSeconds).filter(Number.isFinite);
  const medianOf = (name) => median(runs.map((run) => run[name]).filter(Number.isFinite));
  const requests = medianOf('requests');
  return {
    suite: suite.name,
    id: runner.id,
    label: runner.label,
    role: runner.role,
    skipped: runner.skipped,
    runs: runner.runs.length,
    failed: runner.runs.length - runs.length,
    errors: runner.runs.filter((run) => !run.ok).map((run) => run.error),
    seconds: median(runs.map((run) => run.seconds)),
    rowsPerSecond: median(runs.map(rate)),
    mbPerSecond: median(runs.map((run) => datasets[run.rows].arrow.arrowBytes / run.seconds / 1e6)),
    maxRssBytes: median(rssValues),
    ratio:
      ratios.length > 0
        ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) }
        : undefined,
    phases: runs.some((run) => run.phases)
      ? {
          readSeconds: phaseOf('readSeconds'),
          writeSeconds: phaseOf('writeSeconds'),
          finishSeconds: phaseOf('finishSeconds'),
          commitSeconds: phaseOf('commitSeconds'),
        }
      : undefined,
    serverCpuSeconds: median(serverCpu),
    requests,
    // The methods of a run with the median count (the counts barely vary between runs).
    requestsByMethod:
      requests === undefined
        ? undefined
        : (runs.find((run) => run.requests === requests) ?? runs.find((run) => run.requests))
            ?.requestsByMethod,
    files: medianOf('files'),
    parquetBytes: medianOf('parquetBytes'),
    encodeSeconds: medianOf('encodeSeconds'),
  };
}

function rssSummary(suite, mainRows, rssRows) {
  const subject = suite.runners.find((runner) => runner.role === 'subject');
  const at = (runs) => median(okRuns(runs).map((run) => run.maxRssBytes));
  const main = { rows: mainRows, bytes: at(subject.runs) };
  const extra = { rows: rssRows, bytes: at(suite.rssRuns) };
  const [small, large] = mainRows <= rssRows ? [main, extra] : [extra, main];
  if (small.bytes === undefined || large.bytes === undefined) {
    return { suite: suite.name, label: subject.label, small, large };
  }
  const growth = large.bytes / small.bytes - 1;
  const under = large.bytes < RSS_LIMIT_BYTES && small.bytes < RSS_LIMIT_BYTES;
  return {
    suite: suite.name,
    label: subject.label,
    small,
    large,
    growth,
    flat: growth <= RSS_GROWTH_LIMIT,
    underLimit: under,
    met: growth <= RSS_GROWTH_LIMIT && under,
  };
}

/** Medians, ratios, targets and memory flatness of a finished run. */
export function summarize(results) {
  const throughput = [];
  const targets = [];
  const rss = [];
  for (const suite of results.suites) {
    if (suite.skipped) {
      targets.push({ suite: suite.name, text: suite.target.text, skipped: suite.skipped });
      continue;
    }
    const baseline = suite.runners.find((runner) => runner.role === 'baseline');
    for (const runner of suite.runners) {
      throughput.push(runnerSummary(suite, runner, baseline, results.datasets));
    }
    const subject = throughput.find((row) => row.suite === suite.name && row.role === 'subject');
    targets.push({
      suite: suite.name,
      text: suite.target.text,
      target: suite.target.ratio,
      ratio: subject.ratio,
      met: subject.ratio ? subject.ratio.median >= suite.target.ratio : undefined,
    });
    if (suite.rssRuns.length > 0) rss.push(rssSummary(suite, results.settings.rows, suite.rssRows));
  }
  return { throughput, targets, rss };
}

const thousands = (value) => Math.round(value).toLocaleString('en-US');
const megabytes = (bytes) => (bytes == null ? 'n/a' : `${thousands(bytes / 1e6)} MB`);
const fixed = (value, digits) => (value === undefined ? '–' : value.toFixed(digits));
const verdict = (met) => (met === undefined ? 'n/a' : met ? '**met**' : '**missed**');

function ratioText(ratio, digits = 2) {
  if (!ratio) return '–';
  return `${fixed(ratio.median, digits)}× (${fixed(ratio.min, 2)}–${fixed(ratio.max, 2)})`;
}

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The result as Markdown: throughput, targets, peak memory, and the store's phases. */
export function formatReport(results, summary) {
  const { rows, pairs } = results.settings;
  const sections = [];
  sections.push(
    `${thousands(rows)} rows per run, ${pairs} rounds per case (store, baseline, peers, in turn). ` +
      'Medians over the rounds; the ratio is the median of the per-round ratios to the ' +
      "round's baseline (range in brackets). MB/s counts the dataset's Arrow bytes.",
  );
  sections.push(
    table(
      ['case', 'runner', 'runs', 'median s', 'rows/s', 'MB/s', 'peak RSS', '× baseline'],
      summary.throughput.map((row) => [
        row.suite,
        `${row.role === 'subject' ? '**' : ''}${row.label}${row.role === 'subject' ? '**' : ''}${
          row.role === 'baseline' ? ' (baseline)' : ''
        }`,
        row.skipped
          ? `skipped: ${row.skipped}`
          : `${row.runs - row.failed}${row.failed ? ` (${row.failed} failed)` : ''}`,
        fixed(row.seconds, 2),
        row.rowsPerSecond === undefined ? '–' : thousands(row.rowsPerSecond),
        fixed(row.mbPerSecond, 1),
        megabytes(row.maxRssBytes),
        row.role === 'baseline' ? '1.00×' : ratioText(row.ratio),
      ]),
    ),
  );

  sections.push('Targets (ratio of the store to the baseline of the same round):');
  sections.push(
    table(
      ['target', 'measured', 'result'],
      summary.targets.map((row) =>
        row.skipped
          ? [row.text, `skipped: ${row.skipped}`, 'n/a']
          : [row.text, ratioText(row.ratio, 3), verdict(row.met)],
      ),
    ),
  );

  if (summary.rss.length > 0) {
    const [first] = summary.rss;
    sections.push(
      `Peak memory of the store, ${thousands(first.small.rows)} vs ${thousands(first.large.rows)} rows ` +
        `(target: growth ≤ ${RSS_GROWTH_LIMIT * 100}% and under ${megabytes(RSS_LIMIT_BYTES)}):`,
    );
    sections.push(
      table(
        [
          'store',
          `RSS at ${thousands(first.small.rows)}`,
          `RSS at ${thousands(first.large.rows)}`,
          'growth',
          'result',
        ],
        summary.rss.map((row) => [
          row.label,
          megabytes(row.small.bytes),
          megabytes(row.large.bytes),
          row.growth === undefined
            ? '–'
            : `${row.growth >= 0 ? '+' : ''}${(row.growth * 100).toFixed(1)}%`,
          row.met === undefined
            ? 'n/a'
            : `${verdict(row.met)}${row.met ? '' : ` (${row.flat ? 'flat' : 'grows'}, ${row.underLimit ? 'under' : 'over'} ${megabytes(RSS_LIMIT_BYTES)})`}`,
        ]),
      ),
    );
  }

  const phased = summary.throughput.filter(
    (row) => row.phases || row.serverCpuSeconds !== undefined,
  );
  if (phased.length > 0) {
    sections.push(
      'Where the time goes (median seconds): for a store, reading the Arrow input, the ' +
        '`write()` calls (staging) and `finish()` (the last part and the commit); for an ' +
        'object-storage store also the commit alone (from the end of the last data upload); ' +
        'the server CPU where it is known:',
    );
    sections.push(
      table(
        ['runner', 'total', 'read input', 'write()', 'finish()', 'commit', 'server CPU'],
        phased.map((row) => [
          row.label,
          fixed(row.seconds, 2),
          fixed(row.phases?.readSeconds, 2),
          fixed(row.phases?.writeSeconds, 2),
          fixed(row.phases?.finishSeconds, 2),
          fixed(row.phases?.commitSeconds, 2),
          fixed(row.serverCpuSeconds, 2),
        ]),
      ),
    );
  }

  const counted = summary.throughput.filter((row) => row.requests !== undefined);
  if (counted.length > 0) {
    sections.push(
      'HTTP requests in the timed part (median per run; counted in the client process), and ' +
        'the data files written. For a store, the requests beyond its baseline (the upload of ' +
        'the same files) are what its staging and commit add; the baseline encodes its files ' +
        'before the timing, on one thread, in the time shown:',
    );
    sections.push(
      table(
        [
          'runner',
          'files',
          'Parquet MB',
          'requests',
          'by method',
          'beyond baseline',
          'untimed encoding',
        ],
        counted.map((row) => {
          const baseline = counted.find(
            (candidate) => candidate.suite === row.suite && candidate.role === 'baseline',
          );
          const beyond =
            row.role === 'baseline' || baseline === undefined
              ? '–'
              : `${row.requests - baseline.requests >= 0 ? '+' : ''}${row.requests - baseline.requests}`;
          return [
            row.label,
            fixed(row.files, 0),
            row.parquetBytes === undefined ? '–' : (row.parquetBytes / 1e6).toFixed(1),
            fixed(row.requests, 0),
            Object.entries(row.requestsByMethod ?? {})
              .map(([method, count]) => `${method} ${count}`)
              .join(', ') || '–',
            beyond,
            row.encodeSeconds === undefined ? '–' : `${row.encodeSeconds.toFixed(2)} s`,
          ];
        }),
      ),
    );
  }

  const failures = summary.throughput.filter((row) => row.failed > 0);
  for (const row of failures) {
    sections.push(
      `Failed runs of ${row.label}:\n${row.errors.map((error) => `- ${error}`).join('\n')}`,
    );
  }
  return `${sections.join('\n\n')}\n`;
}

/** Writes the run as `<directory>/<timestamp>.json`; returns the path. */
export async function writeResults(directory, results) {
  await mkdir(directory, { recursive: true });
  const stamp = results.startedAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const path = join(directory, `${stamp}.json`);
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}
