import type { RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  COMMON_ARROW_TYPES,
  ConnectionError,
  type JournalEntry,
  SimulatedCrash,
  type StagedPart,
  StagedWriter,
  type StagingPrimitives,
  type StoreCapabilities,
  ValidationError,
} from '../src/index.js';
import { trips } from './helpers.js';

const capabilities: StoreCapabilities = {
  runTypes: ['full_drop', 'incremental'],
  commit: 'atomic',
  readBack: false,
  records: false,
  tenants: false,
  softDelete: false,
  vectorSearch: false,
  faultInjection: true,
  multiProcess: false,
  arrowTypes: COMMON_ARROW_TYPES,
};

/** Durable state shared by writers, as a database would be. */
class World {
  production: bigint[] = [];
  published = new Set<string>();
  staging = new Map<string, Map<number, bigint[]>>();
  journal = new Map<string, JournalEntry>();
  calls: string[] = [];

  primitives(): StagingPrimitives {
    return {
      begin: async (run) => {
        this.calls.push('begin');
        if (!this.staging.has(run.runId)) this.staging.set(run.runId, new Map());
      },
      stagePart: async (run, part): Promise<StagedPart> => {
        this.calls.push('stagePart');
        const ids = part.batches.flatMap(
          (batch: RecordBatch) => [...batch.getChild('id')!] as bigint[],
        );
        this.staging.get(run.runId)!.set(part.index, ids);
        return { index: part.index, rows: part.rows, bytes: part.bytes, ref: String(part.index) };
      },
      publish: async (run, parts) => {
        this.calls.push('publish');
        if (this.published.has(run.runId)) return { alreadyPublished: true };
        const ids = parts.flatMap((part) => this.staging.get(run.runId)!.get(Number(part.ref))!);
        this.production = run.runType === 'full_drop' ? ids : [...this.production, ...ids];
        this.published.add(run.runId);
        return { alreadyPublished: false };
      },
      discard: async (runId) => {
        this.calls.push('discard');
        this.staging.delete(runId);
      },
      listLeftovers: async () => [...this.staging.keys()],
      readJournal: async () => [...this.journal.values()],
      writeJournal: async (entry) => {
        this.calls.push(`journal:${entry.state}`);
        this.journal.set(entry.runId, structuredClone(entry));
      },
      removeJournal: async (runId) => {
        this.calls.push('journal:remove');
        this.journal.delete(runId);
      },
    };
  }

  writer(partRows = 10): StagedWriter {
    return new StagedWriter({
      name: 'test:world',
      capabilities,
      primitives: this.primitives(),
      partRows,
    });
  }
}

describe('StagedWriter', () => {
  it('stages parts, then journals, publishes, discards and forgets, in that order', async () => {
    const world = new World();
    const writer = world.writer();
    await writer.write(trips(0, 25));
    expect(world.production).toEqual([]);
    expect(writer.bufferedBytes).toBeGreaterThan(0);
    const report = await writer.finish();
    expect(report).toMatchObject({
      rows: 25,
      parts: 3,
      runType: 'incremental',
      alreadyCommitted: false,
    });
    expect(world.production).toHaveLength(25);
    expect(world.calls).toEqual([
      'journal:staging',
      'begin',
      'stagePart',
      'stagePart',
      'stagePart',
      'journal:committing',
      'publish',
      'discard',
      'journal:remove',
    ]);
    expect(world.staging.size).toBe(0);
    expect(world.journal.size).toBe(0);
    expect(writer.faults.trace.map((step) => step.name)).toEqual([
      'journal:begin',
      'begin',
      'stagePart',
      'stagePart',
      'stagePart',
      'journal:commit',
      'publish',
      'discard',
      'journal:remove',
    ]);
  });

  it('keeps memory bounded: buffered bytes never exceed one part', async () => {
    const world = new World();
    const writer = world.writer(1000);
    let peak = 0;
    for (let start = 0; start < 20_000; start += 100) {
      await writer.write(trips(start, 100));
      peak = Math.max(peak, writer.bufferedBytes);
    }
    const report = await writer.finish();
    expect(report.rows).toBe(20_000);
    expect(report.parts).toBe(20);
    expect(peak).toBeLessThan(trips(0, 1000).batches[0]!.data.byteLength);
  });

  it('commits an empty full_drop run, emptying production', async () => {
    const world = new World();
    world.production = [1n, 2n];
    const writer = world.writer();
    await writer.configure('full_drop');
    const report = await writer.finish();
    expect(report.rows).toBe(0);
    expect(world.production).toEqual([]);
  });

  it('publishes a run id only once across attempts', async () => {
    const world = new World();
    const first = world.writer();
    await first.configure('incremental', { runId: 'load-42' });
    await first.write(trips(0, 5));
    await first.finish();
    const second = world.writer();
    await second.configure('incremental', { runId: 'load-42' });
    await second.write(trips(0, 5));
    const report = await second.finish();
    expect(report.alreadyCommitted).toBe(true);
    expect(world.production).toHaveLength(5);
    expect(world.staging.size).toBe(0);
  });

  it('fails at step k with a retryable error and cleans up to production as before', async () => {
    const world = new World();
    const writer = world.writer();
    writer.faults.arm({ at: 6, mode: 'fail' }); // publish (15 rows = 2 parts)
    await writer.write(trips(0, 15));
    const error = await writer.finish().catch((caught: unknown) => caught);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as ConnectionError).retryable).toBe(true);
    expect(world.production).toEqual([]);
    await expect(writer.write(trips(0, 1))).rejects.toThrow(/cleanupStaging/);
    await writer.cleanup();
    expect(world.staging.size).toBe(0);
    expect(world.journal.size).toBe(0);
    await writer.resetRetrySensitiveState();
    await writer.write(trips(0, 15));
    await writer.finish();
    expect(world.production).toHaveLength(15);
  });

  it('crashes at step k and a fresh writer recovers: rolled forward once committing', async () => {
    for (const [step, expected] of [
      [3, 0], // stagePart: discarded
      [5, 0], // journal:commit not written: still staging, discarded
      [6, 15], // publish: the journal says committing, so recovery publishes
      [7, 15], // discard: already published, recovery finishes the cleanup
      [8, 15], // journal:remove: likewise
    ] as const) {
      const world = new World();
      const writer = world.writer();
      writer.faults.arm({ at: step, mode: 'crash' });
      const error = await (async () => {
        await writer.write(trips(0, 15));
        await writer.finish();
      })().catch((caught: unknown) => caught);
      expect(SimulatedCrash.isInstance(error), `step ${step}`).toBe(true);
      await expect(writer.write(trips(0, 1))).rejects.toThrow(/simulated crash/);
      const recovery = await world.writer().recover();
      expect(world.production, `step ${step}`).toHaveLength(expected);
      expect(world.staging.size).toBe(0);
      expect(world.journal.size).toBe(0);
      expect(recovery.rolledForward.length + recovery.discarded.length).toBe(1);
    }
  });

  it('discards an abandoned commit whose publish can never succeed instead of blocking recovery', async () => {
    const world = new World();
    const writer = world.writer();
    writer.faults.arm({ at: 6, mode: 'crash' }); // publish
    await writer.write(trips(0, 15));
    await expect(writer.finish()).rejects.toThrow(/simulated crash/);
    const primitives = world.primitives();
    const refusing = new StagedWriter({
      name: 'test:world',
      capabilities,
      primitives: {
        ...primitives,
        publish: async () => {
          throw new ValidationError("this run's schema no longer fits production");
        },
      },
    });
    const report = await refusing.recover();
    expect(report).toEqual({ rolledForward: [], discarded: [expect.any(String)] });
    expect(world.production).toEqual([]);
    expect(world.staging.size).toBe(0);
    expect(world.journal.size).toBe(0);
  });

  it('keeps a run whose cleanup failed as failed, and cleans it on the next configure()', async () => {
    const world = new World();
    const primitives = world.primitives();
    let discardFailures = 1;
    const writer = new StagedWriter({
      name: 'test:world',
      capabilities,
      partRows: 10,
      primitives: {
        ...primitives,
        discard: async (runId, checkpoint) => {
          if (discardFailures-- > 0) throw new ConnectionError('lock still held');
          return primitives.discard(runId, checkpoint);
        },
      },
    });
    writer.faults.arm({ at: 3, mode: 'fail' });
    await expect(writer.write(trips(0, 15))).rejects.toThrow(/injected failure/);
    await expect(writer.cleanup()).rejects.toThrow(/lock still held/);
    await writer.resetRetrySensitiveState();
    await writer.configure('incremental');
    expect(world.staging.size).toBe(0);
    await writer.write(trips(0, 15));
    await writer.finish();
    expect(world.production).toHaveLength(15);
  });

  it('leaves the runs of live writers alone and discards orphaned staging', async () => {
    const world = new World();
    const live = world.writer();
    await live.write(trips(0, 15));
    world.staging.set('orphan', new Map([[0, [9n]]]));
    const report = await world.writer().recover();
    expect(report.discarded).toEqual(['orphan']);
    await live.finish();
    expect(world.production).toHaveLength(15);
  });

  it('refuses a second call while one is in progress, and bad run ids', async () => {
    const world = new World();
    const writer = world.writer();
    const first = writer.write(trips(0, 5));
    await expect(writer.write(trips(5, 5))).rejects.toThrow(ValidationError);
    await first;
    await expect(writer.configure('incremental')).rejects.toThrow(/during a run/);
    const other = world.writer();
    await expect(other.configure('incremental', { runId: '../etc' })).rejects.toThrow(
      ValidationError,
    );
    await expect(other.configure('merge')).rejects.toThrow(/not supported/);
  });

  it('rejects Arrow types the store does not claim, naming the column', async () => {
    const world = new World();
    const writer = new StagedWriter({
      name: 'test:narrow',
      capabilities: { ...capabilities, arrowTypes: ['int64', 'float64'] },
      primitives: world.primitives(),
    });
    await expect(writer.write(trips(0, 2))).rejects.toThrow(/column 'city' has Arrow type Utf8/);
    await expect(writer.write({ rows: [] })).rejects.toThrow(
      /expects an Arrow Table or RecordBatch/,
    );
  });

  it('counts operations, rows, parts and commits', async () => {
    const world = new World();
    const writer = world.writer();
    await writer.write(trips(0, 12));
    await writer.finish();
    const snapshot = writer.metrics.snapshot();
    expect(snapshot).toMatchObject({ rows: 12, parts: 2, commits: 1 });
    expect(snapshot.operations).toEqual({ total: 2, succeeded: 2, failed: 0 });
    expect(snapshot.byOperation.finish!.latencyMs.p95).toBeGreaterThanOrEqual(0);
  });
});
