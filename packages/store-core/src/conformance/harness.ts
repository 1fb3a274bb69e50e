/**
 * The per-check harness. It gives a check its own table name, temporary directory, prefix and
 * planted secret; makes stores through the backend's factory; reads production and staging
 * through the backend's probes; and, whatever happens, closes every store and child process
 * it made and removes the directory when the check ends.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store, StoreCapabilities } from '@wharf/store-core';
import type { Field } from 'apache-arrow';
import { describeError, fail } from './assertions.js';
import type { ConformanceCheck } from './check.js';
import { canonicalStandard, type StandardRow, standardFieldsFor } from './dataset.js';
import { type CanonicalRow, normalizeInspection } from './normalize.js';
import type { ConformanceContext, ConformanceOptions, Inspection } from './types.js';

/** Context fields a check may change for one store (a second table, say). */
export type ContextOverrides = Partial<Omit<ConformanceContext, 'checkId' | 'secret'>>;

function randomId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** Everything one check works with. Created and disposed by the runner, once per check. */
export class CheckHarness {
  /** The backend's options, as handed to the kit. */
  readonly options: ConformanceOptions;
  /** The capabilities the store declares. */
  readonly capabilities: StoreCapabilities;
  /** The check being run. */
  readonly check: ConformanceCheck;
  /** The context every store of this check gets, unless overridden. */
  readonly context: ConformanceContext;
  /** The standard columns this store can take (see `standardFieldsFor`). */
  readonly fields: readonly Field[];
  /** What the check is doing now, for messages about unexpected errors. */
  activity = 'starting';

  readonly #stores: Store[] = [];
  readonly #children = new Set<ChildProcess>();

  private constructor(
    options: ConformanceOptions,
    capabilities: StoreCapabilities,
    check: ConformanceCheck,
    directory: string,
  ) {
    this.options = options;
    this.capabilities = capabilities;
    this.check = check;
    this.fields = standardFieldsFor(capabilities);
    const suffix = randomId(10);
    this.context = {
      checkId: check.id,
      table: `t_${suffix}`,
      directory,
      prefix: `wharf-${suffix}`,
      secret: `wharf-secret-${randomId(16)}`,
      ...(check.context?.key ? { key: check.context.key } : {}),
      ...(check.context?.tenantColumn ? { tenantColumn: check.context.tenantColumn } : {}),
      ...(check.context?.softDelete ? { softDelete: check.context.softDelete } : {}),
    };
  }

  /** A harness with a fresh temporary directory. */
  static async open(
    options: ConformanceOptions,
    capabilities: StoreCapabilities,
    check: ConformanceCheck,
  ): Promise<CheckHarness> {
    const directory = await mkdtemp(join(options.tempRoot ?? tmpdir(), 'wharf-conformance-'));
    return new CheckHarness(options, capabilities, check, directory);
  }

  /** This check's table name. */
  get table(): string {
    return this.context.table;
  }

  /** The secret planted in this check's context. */
  get secret(): string {
    return this.context.secret;
  }

  /** A second table name of this check, e.g. `t_abc_k3`: a plain identifier. */
  tableFor(suffix: string): string {
    return `${this.context.table}_${suffix}`;
  }

  /** The check's context with `overrides` applied. */
  contextWith(overrides: ContextOverrides = {}): ConformanceContext {
    return { ...this.context, ...overrides };
  }

  /** A new, unconnected store from the factory; closed when the check ends. */
  async createStore(overrides: ContextOverrides = {}): Promise<Store> {
    const store = await this.options.createStore(this.contextWith(overrides));
    if (typeof store !== 'object' || store === null) {
      fail(`createStore() returned ${store === null ? 'null' : typeof store}, not a store`);
    }
    this.#stores.push(store);
    return store;
  }

  /** A new store from the factory, connected. */
  async openStore(overrides: ContextOverrides = {}): Promise<Store> {
    const store = await this.createStore(overrides);
    await store.connect();
    return store;
  }

  /** Closes a store now (a crashed one too); errors are ignored, as the check already decided. */
  async closeQuietly(store: Store): Promise<void> {
    try {
      await store.close();
    } catch {
      // A crashed store may refuse; the harness only frees what it can.
    }
  }

  /** What production holds, through the backend's inspector. */
  async inspect(overrides: ContextOverrides = {}): Promise<Inspection> {
    return this.options.inspect(this.contextWith(overrides));
  }

  /** Production in canonical form for `fields` (the standard columns by default). */
  async production(
    overrides: ContextOverrides = {},
    fields: readonly Field[] = this.fields,
  ): Promise<CanonicalRow[]> {
    return normalizeInspection(await this.inspect(overrides), fields);
  }

  /** Standard rows in canonical form for this store's standard columns. */
  canonical(rows: readonly StandardRow[]): CanonicalRow[] {
    return canonicalStandard(rows, this.fields);
  }

  /** How many staging artefacts exist, through the backend's probe. */
  async inspectStaging(overrides: ContextOverrides = {}): Promise<number> {
    const count = await this.options.inspectStaging(this.contextWith(overrides));
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      fail(
        `inspectStaging() must resolve to a count (a non-negative integer), got ${String(count)}`,
      );
    }
    return count;
  }

  /** Registers a child process, killed when the check ends if it still runs. */
  trackChild(child: ChildProcess): void {
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
  }

  /** Closes every store and child of the check and removes its directory. Never throws. */
  async dispose(): Promise<void> {
    for (const child of this.#children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await Promise.all(this.#stores.map((store) => this.closeQuietly(store)));
    try {
      await rm(this.context.directory, { recursive: true, force: true });
    } catch {
      // A store may still hold a file open; the OS's temporary folder cleans it eventually.
    }
  }

  /** Text for an unexpected error: what was thrown and what the check was doing. */
  unexpected(error: unknown): string {
    return `unexpected ${describeError(error)} (while ${this.activity})`;
  }
}
