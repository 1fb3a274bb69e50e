/**
 * `wharf conformance <module>`: runs the conformance kit against the store a module exports
 * (a third party's package or a local file), prints the matrix, and writes the JSON report.
 */
import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '@wharf/store-core';
import {
  type ConformanceOptions,
  type ConformanceReport,
  formatConformanceReport,
  runConformance,
} from '@wharf/store-core/conformance/runner';

/** Options of {@link conformance}. */
export interface ConformanceCommandOptions {
  /** Write the report as JSON to this file. */
  json?: string;
  /** The export holding the kit options (an object, or a function returning one). @default 'conformance', then the default export */
  exportName?: string;
  /** Where the matrix goes. @default process.stdout */
  output?: { write(text: string): unknown };
  /** Where one line per finished check goes. @default process.stderr */
  progress?: { write(text: string): unknown };
}

function moduleUrl(spec: string): string {
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec) || /\.[cm]?[jt]s$/.test(spec);
  return looksLikePath ? pathToFileURL(resolve(spec)).href : spec;
}

async function loadOptions(
  spec: string,
  exportName: string | undefined,
): Promise<ConformanceOptions> {
  const module = (await import(moduleUrl(spec))) as Record<string, unknown>;
  const names = exportName ? [exportName] : ['conformance', 'default'];
  const name = names.find((candidate) => module[candidate] !== undefined);
  if (!name) {
    throw new ValidationError(
      `${spec} exports none of ${names.join(', ')}; export the kit options (name, createStore, inspect, inspectStaging)`,
    );
  }
  const exported = module[name];
  const options = (
    typeof exported === 'function' ? await (exported as () => unknown)() : exported
  ) as ConformanceOptions;
  for (const member of ['createStore', 'inspect', 'inspectStaging'] as const) {
    if (typeof options?.[member] !== 'function') {
      throw new ValidationError(`${spec}: export '${name}' has no ${member}() function`);
    }
  }
  return options;
}

/** Runs the kit; resolves with the report (the CLI exits non-zero when anything failed). */
export async function conformance(
  spec: string,
  options: ConformanceCommandOptions = {},
): Promise<ConformanceReport> {
  const kitOptions = await loadOptions(spec, options.exportName);
  const progress = options.progress ?? process.stderr;
  const report = await runConformance(kitOptions, {
    onResult: (result) =>
      progress.write(
        `${result.status === 'passed' ? 'pass' : result.status === 'failed' ? 'FAIL' : ' -  '}  ${result.id}\n`,
      ),
  });
  (options.output ?? process.stdout).write(`${formatConformanceReport(report)}\n`);
  if (options.json) await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
