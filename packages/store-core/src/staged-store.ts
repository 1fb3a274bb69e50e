/**
 * `StagedStore`: a {@link Store} whose writes go through a {@link StagedWriter}. It forwards
 * the run protocol (write, finish, configure, cleanup, reset, recover, fault hook, metrics,
 * abort on close) to the engine, so that a backend writes only its staging primitives and what
 * is its own (reads, the record API, `describe()`). Every wharf backend extends it; a third
 * party's store can too.
 */
import type { ArrowInput } from './arrow-input.js';
import type { RunType } from './capabilities.js';
import type { FaultHook } from './engine/fault-hook.js';
import type { StagedWriter, StagingSnapshot } from './engine/staged-writer.js';
import { ValidationError } from './errors.js';
import type { MetricsSnapshot } from './metrics.js';
import { type CommitReport, type RecoveryReport, type RunSettings, Store } from './store.js';

/** The calls of {@link StagedStore} that reach the engine through `runEngine`. */
export type EngineCall = 'write' | 'finish' | 'cleanupStaging' | 'recover';

/**
 * A store built on the staged-write engine.
 *
 * @example
 * class MyStore extends StagedStore {
 *   readonly name = 'my:trips';
 *   readonly capabilities = { runTypes: ['full_drop', 'incremental'], commit: 'atomic', … };
 *   protected readonly writer = new StagedWriter({
 *     name: this.name,
 *     capabilities: this.capabilities,
 *     primitives: myPrimitives,
 *   });
 * }
 */
export abstract class StagedStore extends Store {
  /** The engine behind the writes; the subclass creates it in its constructor. */
  protected abstract readonly writer: StagedWriter;

  /** The key columns `merge` runs upsert by; a merge run without any is refused. */
  protected get mergeKey(): readonly string[] {
    return [];
  }

  /**
   * Runs one engine call. The default runs it as is; a backend overrides it to wait for a
   * reconnect, map errors or invalidate caches around the call.
   */
  protected runEngine<T>(_call: EngineCall, action: () => Promise<T>): Promise<T> {
    return action();
  }

  /** Bytes of Arrow data buffered in memory and not yet staged. */
  get bufferedBytes(): number {
    return this.writer.bufferedBytes;
  }

  override get faults(): FaultHook {
    return this.writer.faults;
  }

  override metrics(): MetricsSnapshot {
    return this.writer.metrics.snapshot();
  }

  /** Buffers the data and stages it part by part; nothing is visible before `finish()`. */
  async write(data: ArrowInput): Promise<void> {
    this.assertOpen('write');
    await this.runEngine('write', () => this.writer.write(data));
  }

  /** Publishes the run (a no-op for a run id already published). */
  async finish(): Promise<CommitReport> {
    this.assertOpen('finish');
    return this.runEngine('finish', () => this.writer.finish());
  }

  /** Sets the next run's type and id; `merge` needs key columns. */
  override async configureForRun(runType: RunType, settings: RunSettings = {}): Promise<void> {
    this.assertOpen('configureForRun');
    if (
      runType === 'merge' &&
      this.capabilities.runTypes.includes('merge') &&
      this.mergeKey.length === 0
    ) {
      throw new ValidationError(`${this.name}: a merge run needs key columns; set the key option`);
    }
    await this.writer.configure(runType, settings);
  }

  /** Removes the staged data of the current or failed run. */
  override async cleanupStaging(): Promise<void> {
    this.assertOpen('cleanupStaging');
    await this.runEngine('cleanupStaging', () => this.writer.cleanup());
  }

  /** Resets per-run state before a retry. */
  override async resetRetrySensitiveState(): Promise<void> {
    this.assertOpen('resetRetrySensitiveState');
    await this.writer.resetRetrySensitiveState();
  }

  /** Publishes or discards what dead writers left (also run by `connect()`). */
  override async recover(): Promise<RecoveryReport> {
    this.assertOpen('recover');
    return this.runEngine('recover', () => this.writer.recover());
  }

  /** What the staging area holds, for `describe()`. */
  protected stagingSnapshot(): Promise<StagingSnapshot> {
    return this.writer.inspect();
  }

  /** Discards the current run's staging unless the store crashed. */
  protected override async onClose(): Promise<void> {
    await this.writer.abort();
  }
}
