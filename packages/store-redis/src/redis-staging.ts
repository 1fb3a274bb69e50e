/**
 * The staging primitives the engine drives. Every run stages into a new version of its own,
 * which nothing reads until the run is published: rows as plain HSETs and the version's index as
 * ZADDs, in guarded transactions of `pipelineBatch` rows, `pipelineDepth` in flight (see
 * redis-stage-rows.ts). No script runs per row: Redis parses and applies plain commands far
 * faster than a script builds them. Publishing checks that the run's index still holds every
 * identifier staged (a restarted server loses them) and makes the run production in one script
 * (see the README's guarantees for the three ways).
 */
import {
  type Checkpoint,
  type JournalEntry,
  type PartToStage,
  type PublishResult,
  type RunInfo,
  type StagedPart,
  StagingError,
  type StagingPrimitives,
  ValidationError,
  widenOptionalSchema,
} from '@wharf/store-core';
import type { DataType, Schema } from 'apache-arrow';
import { collectGarbage, dropRunStaging } from './redis-cleanup.js';
import type { RedisContext } from './redis-context.js';
import { keyKind } from './redis-key-encoding.js';
import { publishLarge, uncopyRows } from './redis-large-publish.js';
import { storedSchema } from './redis-schemas.js';
import { BEGIN_RUN, PRODUCTION_SCHEMA, PUBLISH_SMALL, PUBLISH_VERSION } from './redis-scripts.js';
import { stageRows } from './redis-stage-rows.js';

/** Where a run stages, as its staging entry in Redis records it. */
export interface StagingEntry {
  readonly ordinal: number;
  readonly runType: string;
  /** The new version the run's rows are staged into. */
  readonly version: string;
}

/** What a staged part's `ref` records: how many row identifiers it added to the index. */
interface PartRecord {
  readonly added: number;
}

/** How often a publish re-reads production after a concurrent schema change. */
const PUBLISH_ATTEMPTS = 10;

/** The key columns' types in `schema`; a `ValidationError` when one is missing or unusable. */
export function keyTypes(schema: Schema, columns: readonly string[], store: string): DataType[] {
  return columns.map((column) => {
    const field = schema.fields.find((candidate) => candidate.name === column);
    if (!field) {
      throw new ValidationError(`${store}: key column '${column}' is not in the data`, {
        details: { column },
      });
    }
    if (keyKind(field.type) === undefined) {
      throw new ValidationError(
        `${store}: key column '${column}' has type ${String(field.type)}, which cannot be a key (use integers, text, booleans, floats, dates or timestamps)`,
        { details: { column } },
      );
    }
    return field.type;
  });
}

/** The staging primitives of a Redis store. */
export class RedisStaging implements StagingPrimitives {
  readonly #context: RedisContext;
  readonly #entries = new Map<string, StagingEntry>();

  constructor(context: RedisContext) {
    this.#context = context;
  }

  async begin(run: RunInfo, schema: Schema | undefined): Promise<void> {
    const context = this.#context;
    if (schema && context.keyColumns.length > 0) {
      keyTypes(schema, context.keyColumns, context.name);
    }
    const entry = await context.call('begin', () =>
      context.scripts.run(BEGIN_RUN, [context.keys.base, run.runId, run.runType]),
    );
    this.#entries.set(run.runId, JSON.parse(String(entry)) as StagingEntry);
  }

  async stagePart(run: RunInfo, part: PartToStage): Promise<StagedPart> {
    const context = this.#context;
    const entry = await this.#entry(run.runId);
    const { keys } = context;
    const keyed = context.keyColumns.length > 0;
    const added = await stageRows(
      context,
      { runId: run.runId, version: entry.version },
      part.batches,
      {
        store: context.name,
        rowPrefix: keys.rowPrefix(entry.version),
        index: keys.index(entry.version),
        ttlMs: context.ttlMs,
        keyColumns: context.keyColumns,
        keyTypes: keyed ? keyTypes(part.schema, context.keyColumns, context.name) : [],
        ordinal: entry.ordinal,
        part: part.index,
      },
      () => this.#lost(run.runId),
    );
    const record: PartRecord = { added };
    return { index: part.index, rows: part.rows, bytes: part.bytes, ref: JSON.stringify(record) };
  }

  async publish(
    run: RunInfo,
    parts: readonly StagedPart[],
    schema: Schema | undefined,
    checkpoint: Checkpoint,
  ): Promise<PublishResult> {
    const context = this.#context;
    const expected = parts.reduce(
      (sum, part) => sum + (JSON.parse(part.ref) as PartRecord).added,
      0,
    );
    const entry = await this.#entry(run.runId, false);
    if (!entry) {
      // The staging is gone: the run was published (and its staging removed) or lost.
      const reply = await this.#publishVersion(run, '', storedSchema(schema), expected, false, '');
      return this.#published(run, reply, expected);
    }
    if (run.runType === 'full_drop') {
      const stored = storedSchema(schema ?? (await this.#production()).schema);
      const reply = await this.#publishVersion(run, entry.version, stored, expected, false, '');
      return this.#published(run, reply, expected);
    }
    // Rows an interrupted large publish copied into the run's version go first.
    await uncopyRows(context, run.runId, entry.version);
    for (let attempt = 0; attempt < PUBLISH_ATTEMPTS; attempt += 1) {
      const production = await this.#production();
      const merged = storedSchema(
        widenOptionalSchema(production.schema, schema, {
          addColumns: context.addColumns,
          store: context.name,
        }),
      );
      const reply = await this.#publishVersion(
        run,
        entry.version,
        merged,
        expected,
        true,
        production.hash,
      );
      if (reply[0] === 'stale') continue;
      if (reply[0] !== 'occupied') return this.#published(run, reply, expected);
      if (expected > context.maxScriptRows) {
        return publishLarge(context, run, expected, schema, entry.version, checkpoint);
      }
      const small = (await context.call('publish', () =>
        context.scripts.run(PUBLISH_SMALL, [
          context.keys.base,
          run.runId,
          entry.version,
          production.hash,
          merged.encoded,
          merged.hash,
          expected,
        ]),
      )) as string[];
      if (small[0] === 'stale') continue;
      return this.#published(run, small, expected);
    }
    throw new StagingError(
      `${context.name}: production's schema kept changing while run ${run.runId} was published; run it again`,
      { retryable: true },
    );
  }

  async discard(runId: string, checkpoint: Checkpoint): Promise<void> {
    // The entry known here also covers staging that a restarted server no longer lists.
    const known = this.#entries.get(runId)?.version;
    await dropRunStaging(this.#context, runId, known ? [known] : []);
    this.#entries.delete(runId);
    await checkpoint('discard:retired-versions');
    await collectGarbage(this.#context);
  }

  async listLeftovers(): Promise<string[]> {
    const context = this.#context;
    return context.call('listLeftovers', () => context.client().hkeys(context.keys.staging));
  }

  async readJournal(): Promise<JournalEntry[]> {
    const context = this.#context;
    const entries = await context.call('readJournal', () =>
      context.client().hvals(context.keys.journal),
    );
    return entries.map((text) => JSON.parse(text) as JournalEntry);
  }

  async writeJournal(entry: JournalEntry): Promise<void> {
    const context = this.#context;
    await context.call('writeJournal', () =>
      context.client().hset(context.keys.journal, entry.runId, JSON.stringify(entry)),
    );
  }

  async removeJournal(runId: string): Promise<void> {
    const context = this.#context;
    await context.call('removeJournal', () => context.client().hdel(context.keys.journal, runId));
  }

  /** Runs PUBLISH_VERSION: switches production to the version the run staged into. */
  async #publishVersion(
    run: RunInfo,
    version: string,
    stored: { encoded: string; hash: string },
    expected: number,
    requireEmpty: boolean,
    productionHash: string,
  ): Promise<string[]> {
    const context = this.#context;
    return (await context.call('publish', () =>
      context.scripts.run(PUBLISH_VERSION, [
        context.keys.base,
        run.runId,
        version,
        stored.encoded,
        stored.hash,
        expected,
        requireEmpty ? '1' : '0',
        productionHash,
      ]),
    )) as string[];
  }

  /** The retryable error of a run whose staging Redis no longer has. */
  #lost(runId: string): StagingError {
    return new StagingError(
      `${this.#context.name}: the staging of run ${runId} is gone from Redis (was the server restarted or flushed?); run it again`,
      { retryable: true },
    );
  }

  #published(run: RunInfo, reply: readonly string[], expected: number): PublishResult {
    const name = this.#context.name;
    switch (reply[0]) {
      case 'ok':
        return { alreadyPublished: false };
      case 'already':
        return { alreadyPublished: true };
      case 'lost':
        throw this.#lost(run.runId);
      case 'missing':
        throw new StagingError(
          `${name}: run ${run.runId} staged ${expected} rows but Redis holds ${reply[1]} of them (was the server restarted, or did rows expire?); run it again`,
          { retryable: true },
        );
      default:
        throw new StagingError(`${name}: unexpected publish reply ${JSON.stringify(reply)}`);
    }
  }

  async #production() {
    const context = this.#context;
    const reply = (await context.call('publish', () =>
      context.scripts.run(PRODUCTION_SCHEMA, [context.keys.base]),
    )) as string[];
    const [version, encoded = '', hash = ''] = reply;
    const schema = context.schemas.decode(encoded, hash);
    return { version, schema, encoded, hash };
  }

  async #entry(runId: string, required?: true): Promise<StagingEntry>;
  async #entry(runId: string, required: false): Promise<StagingEntry | undefined>;
  async #entry(runId: string, required = true): Promise<StagingEntry | undefined> {
    const known = this.#entries.get(runId);
    if (known) return known;
    const context = this.#context;
    const text = await context.call('stagePart', () =>
      context.client().hget(context.keys.staging, runId),
    );
    if (text === null) {
      if (!required) return undefined;
      throw this.#lost(runId);
    }
    const entry = JSON.parse(text) as StagingEntry;
    this.#entries.set(runId, entry);
    return entry;
  }
}
