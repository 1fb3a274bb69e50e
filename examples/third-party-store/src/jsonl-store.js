/**
 * `JsonLinesStore`: a wharf store that lands Arrow batches in a JSON Lines file. It is built
 * only on the published API of `@wharf/store-core`: the `Store` base class for the contract,
 * the `StagedWriter` engine for the staged-write protocol, the typed errors and
 * `assertIdentifier`. What it adds is five small primitives over files.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertIdentifier,
  decodeSchema,
  encodeSchema,
  StagedWriter,
  Store,
  ValidationError,
} from '@wharf/store-core';
import { decodeRows, encodeBatch, JSONL_ARROW_TYPES } from './jsonl-codec.js';
import {
  ensureDirectory,
  fsError,
  list,
  readProduction,
  replaceFile,
  tablePaths,
  withLock,
} from './jsonl-files.js';

const RUNS_KEPT = 1000;

/**
 * @example
 * const store = new JsonLinesStore({ directory: './data', table: 'trips' });
 * await runFlow(() => batches(), store, { runType: 'full_drop' });
 */
export class JsonLinesStore extends Store {
  capabilities = {
    runTypes: ['full_drop', 'incremental'],
    commit: 'atomic',
    readBack: true,
    records: false,
    tenants: false,
    softDelete: false,
    vectorSearch: false,
    faultInjection: true,
    multiProcess: true,
    arrowTypes: JSONL_ARROW_TYPES,
  };

  #paths;
  #writer;

  /**
   * @param {{ directory: string, table: string, schema?: import('apache-arrow').Schema }} options
   *   `directory` holds the table's files; `table` names them (letters, digits, underscores).
   */
  constructor(options) {
    super();
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new ValidationError('JsonLinesStore needs a directory');
    }
    assertIdentifier(options.table);
    this.name = `jsonl:${options.table}`;
    this.#paths = tablePaths(options.directory, options.table);
    this.#writer = new StagedWriter({
      name: this.name,
      capabilities: this.capabilities,
      primitives: this.#primitives(),
      ...(options.schema ? { schema: options.schema } : {}),
    });
  }

  get faults() {
    return this.#writer.faults;
  }

  metrics() {
    return this.#writer.metrics.snapshot();
  }

  async write(data) {
    this.assertOpen('write');
    await this.#writer.write(data);
  }

  async finish() {
    this.assertOpen('finish');
    return this.#writer.finish();
  }

  async configureForRun(runType, settings = {}) {
    this.assertOpen('configureForRun');
    await this.#writer.configure(runType, settings);
  }

  async cleanupStaging() {
    this.assertOpen('cleanupStaging');
    await this.#writer.cleanup();
  }

  async resetRetrySensitiveState() {
    this.assertOpen('resetRetrySensitiveState');
    await this.#writer.resetRetrySensitiveState();
  }

  async recover() {
    this.assertOpen('recover');
    return this.#writer.recover();
  }

  async describe() {
    this.assertOpen('describe');
    const { header, lines } = await readProduction(this.#paths.production);
    return {
      name: this.name,
      capabilities: this.capabilities,
      ...(header.schema ? { schema: decodeSchema(header.schema) } : {}),
      rows: lines.length,
      committedRuns: header.runs,
      staging: await this.#writer.inspect(),
      details: { file: this.#paths.production },
    };
  }

  /** Streams the committed rows back with their original Arrow types. */
  async *read(options = {}) {
    this.assertOpen('read');
    const { header, lines } = await readProduction(this.#paths.production);
    if (!header.schema) return;
    const schema = decodeSchema(header.schema);
    for (let start = 0; start < lines.length; start += 10_000) {
      const rows = lines.slice(start, start + 10_000).map((line) => JSON.parse(line));
      const batch = decodeRows(schema, rows);
      yield options.columns ? batch.select(options.columns) : batch;
    }
  }

  async onClose() {
    await this.#writer.abort();
  }

  async ping() {
    await list(join(this.#paths.staging, '..'));
    return { file: this.#paths.production };
  }

  #primitives() {
    const paths = this.#paths;
    const runDirectory = (runId) => join(paths.staging, runId);
    return {
      begin: async (run) => ensureDirectory(runDirectory(run.runId)),
      stagePart: async (run, part) => {
        const file = join(runDirectory(run.runId), `${part.index}.jsonl`);
        try {
          await writeFile(file, part.batches.map(encodeBatch).join(''));
        } catch (error) {
          throw fsError(error, `staging ${file}`);
        }
        return { index: part.index, rows: part.rows, bytes: part.bytes, ref: file };
      },
      publish: async (run, parts, schema) =>
        withLock(paths.lock, async () => {
          const { header, lines } = await readProduction(paths.production);
          if (header.runs.includes(run.runId)) return { alreadyPublished: true };
          if (schema && header.schema && run.runType !== 'full_drop') {
            const current = String(decodeSchema(header.schema));
            if (current !== String(schema)) {
              throw new ValidationError(
                `${this.name}: this run's schema ${schema} differs from production's ${current}`,
              );
            }
          }
          const staged = await Promise.all(parts.map((part) => readFile(part.ref, 'utf8')));
          const kept = run.runType === 'full_drop' ? '' : lines.map((line) => `${line}\n`).join('');
          const next = {
            runs: [...header.runs, run.runId].slice(-RUNS_KEPT),
            schema: schema ? encodeSchema(schema) : header.schema,
          };
          await replaceFile(
            paths.production,
            `${JSON.stringify({ $wharf: next })}\n${kept}${staged.join('')}`,
          );
          return { alreadyPublished: false };
        }),
      discard: async (runId) => rm(runDirectory(runId), { recursive: true, force: true }),
      listLeftovers: () => list(paths.staging),
      readJournal: async () => {
        const entries = [];
        for (const name of await list(paths.journal)) {
          const text = await readFile(join(paths.journal, name), 'utf8').catch(() => undefined);
          if (text) entries.push(JSON.parse(text));
        }
        return entries;
      },
      writeJournal: async (entry) => {
        await ensureDirectory(paths.journal);
        await replaceFile(join(paths.journal, `${entry.runId}.json`), JSON.stringify(entry));
      },
      removeJournal: async (runId) => rm(join(paths.journal, `${runId}.json`), { force: true }),
    };
  }
}
