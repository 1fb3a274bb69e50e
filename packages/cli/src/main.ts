/**
 * The `wharf` command's logic: parses the arguments, runs a command, maps failures to one line
 * and an exit code.
 *
 *   wharf copy <from> <to> [--mode full_drop|incremental|merge] [--key a,b] [--retries n] [--batch-rows n]
 *   wharf inspect <store-url>
 *   wharf conformance <module> [--json report.json] [--export name]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type RunType, redactUrl } from '@wharf/store-core';
import { conformance } from './commands/conformance.js';
import { copy } from './commands/copy.js';
import { inspect } from './commands/inspect.js';
import { causeChain, describeFailure } from './errors.js';

const USAGE = `usage:
  wharf copy <from> <to> [options]    copy a file or a store into a store
      --mode full_drop|incremental|merge   (default incremental)
      --key a,b                            key columns for merge and the record API
      --retries n                          retries of a retryable failure (default 3)
      --batch-rows n                       rows per batch read from a text file
  wharf inspect <store-url>           schema, row count, committed runs, leftover staging
  wharf conformance <module>          run the conformance kit against a module's store
      --json file                          write the report as JSON
      --export name                        the export holding the kit options (default: conformance, then default)
  options for every command: --verbose (show the cause chain of a failure), --help, --version

sources: a .parquet, .csv, .arrow/.feather or .jsonl file, or a store URL
stores:  memory:table  sqlite:./db.sqlite?table=t  parquet:./out/t  postgres://user@host/db?table=t
         redis://host:6379?table=t  s3://bucket/prefix  gs://bucket/prefix
         abfss://filesystem@account.dfs.core.windows.net/path
`;

function version(): string {
  const packageJson = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return packageJson.version;
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new UsageError(`${flag} takes a whole number, got '${value}'`);
  return number;
}

class UsageError extends Error {}

/** A command's failure, with what the command was doing (URLs redacted) as its context. */
class CommandFailure extends Error {
  constructor(
    readonly context: string,
    readonly failure: unknown,
  ) {
    super(context);
  }
}

/** Runs the command line `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        mode: { type: 'string' },
        key: { type: 'string' },
        retries: { type: 'string' },
        'batch-rows': { type: 'string' },
        json: { type: 'string' },
        export: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
    verbose = values.verbose ?? false;
    if (values.version) {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    const [command, ...rest] = positionals;
    if (values.help || command === undefined || command === 'help') {
      process.stdout.write(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    switch (command) {
      case 'copy': {
        if (rest.length !== 2) throw new UsageError('copy takes a source and a target');
        const controller = new AbortController();
        const onInterrupt = () => {
          process.stderr.write('\ninterrupted: aborting, nothing will be committed\n');
          controller.abort(new Error('interrupted by the user'));
        };
        process.once('SIGINT', onInterrupt);
        try {
          const retries = positiveInteger(values.retries, '--retries');
          const batchRows = positiveInteger(values['batch-rows'], '--batch-rows');
          await copy(rest[0]!, rest[1]!, {
            ...(values.mode ? { mode: values.mode as RunType } : {}),
            ...(values.key ? { key: values.key.split(',').filter(Boolean) } : {}),
            ...(retries !== undefined ? { retries } : {}),
            ...(batchRows ? { batchRows } : {}),
            signal: controller.signal,
          });
        } catch (error) {
          if (controller.signal.aborted) {
            process.stderr.write('wharf: copy aborted; production unchanged, staging cleaned\n');
            return 130;
          }
          throw new CommandFailure(`copy ${redactUrl(rest[0]!)} -> ${redactUrl(rest[1]!)}`, error);
        } finally {
          process.off('SIGINT', onInterrupt);
        }
        return 0;
      }
      case 'inspect':
        if (rest.length !== 1) throw new UsageError('inspect takes one store URL');
        try {
          await inspect(rest[0]!);
        } catch (error) {
          throw new CommandFailure(`inspect ${redactUrl(rest[0]!)}`, error);
        }
        return 0;
      case 'conformance': {
        if (rest.length !== 1) throw new UsageError('conformance takes one module');
        const report = await conformance(rest[0]!, {
          ...(values.json ? { json: values.json } : {}),
          ...(values.export ? { exportName: values.export } : {}),
        });
        return report.summary.failed === 0 ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      process.stderr.write(`wharf: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const context = error instanceof CommandFailure ? `${error.context}: ` : '';
    const failure = error instanceof CommandFailure ? error.failure : error;
    const lines = verbose ? causeChain(failure) : [describeFailure(failure)];
    process.stderr.write(`wharf: ${context}${lines.join('\n  ')}\n`);
    if (!verbose) process.stderr.write('(run with --verbose for the cause)\n');
    return 1;
  }
}
