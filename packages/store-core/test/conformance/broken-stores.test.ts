/**
 * The kit's own test: a correct store passes every check it claims, and every deliberately
 * broken store fails at least one check of the section that covers its bug, with a message
 * that names the problem.
 */
import { describe, expect, it } from 'vitest';
import {
  type ConformanceOptions,
  runConformance,
  type SectionId,
} from '../../src/conformance/runner.js';
import {
  DeleteBeforePublishStore,
  DuplicateOnRetryStore,
  FalseMergeStore,
  LeakyTenantStore,
  LostUpdateStore,
  MalformedCapabilitiesStore,
  NullDroppingStore,
  OffByOnePaginationStore,
  RawErrorStore,
  SecretLeakStore,
  SoftDeleteCountStore,
  StagesIntoProductionStore,
  StagingLeakStore,
  TimestampTruncatingStore,
  VisibleBeforeCommitStore,
  WrongVectorOrderStore,
  ZombieStore,
} from './broken-stores.js';
import { optionsFor, type ReferenceStoreClass } from './reference-options.js';
import { ReferenceStore } from './reference-store.js';

type StoreClass = ReferenceStoreClass;

interface BrokenCase {
  readonly store: StoreClass;
  readonly bug: string;
  readonly section: SectionId;
  /** What the failure message must mention. */
  readonly message: RegExp;
  /** Options of this case beyond the defaults. */
  readonly options?: Partial<ConformanceOptions>;
}

const BROKEN: readonly BrokenCase[] = [
  {
    store: VisibleBeforeCommitStore,
    bug: 'shows rows before finish()',
    section: 'staged-writes',
    message: /before finish\(\).*invariant 1, isolation/,
  },
  {
    store: StagesIntoProductionStore,
    bug: 'stages parts into production',
    section: 'staged-writes',
    // More rows than one staged part holds, so that write() stages a part before finish().
    options: { largeRows: 70_000 },
    message:
      /production showed 65536 new rows after writing 70000 rows in one batch, before finish\(\).*invariant 1, isolation/,
  },
  {
    store: DeleteBeforePublishStore,
    bug: 'deletes before it publishes a full_drop',
    section: 'fault-sweep',
    message: /full_drop run.*neither the state before the run.*nor the state after it/,
  },
  {
    store: DuplicateOnRetryStore,
    bug: 'duplicates a retried run',
    section: 'retry-protocol',
    message: /duplicated id.*invariant 3, exactly once/,
  },
  {
    store: RawErrorStore,
    bug: 'leaks a raw driver error',
    section: 'bad-input',
    message: /threw a raw TypeError.*raw driver errors must never escape/,
  },
  {
    store: NullDroppingStore,
    bug: 'drops nulls',
    section: 'arrow-types',
    message: /wrote null and got back/,
  },
  {
    store: TimestampTruncatingStore,
    bug: 'truncates timestamps to seconds',
    section: 'arrow-types',
    message: /timestamp values did not round-trip.*column 'ms_none' \(Timestamp<MILLISECOND>\)/,
  },
  {
    store: LeakyTenantStore,
    bug: "leaks another tenant's rows through a view",
    section: 'tenants',
    message:
      /forTenant\('acme'\)\.list\(\) returned ids .* a view never reads another tenant's rows/,
  },
  {
    store: OffByOnePaginationStore,
    bug: 'skips a row between pages',
    section: 'records',
    message: /skipped ids \[11\].*pages must neither overlap nor skip a row/,
  },
  {
    store: StagingLeakStore,
    bug: 'leaves staging behind',
    section: 'staged-writes',
    message: /inspectStaging\(\) counts \d+ staging artefacts?, expected 0.*invariant 5, no leaks/,
  },
  {
    store: FalseMergeStore,
    bug: 'claims merge but appends',
    section: 'run-types',
    message: /merge.*duplicated id/,
  },
  {
    store: SecretLeakStore,
    bug: 'puts its password in an error message',
    section: 'errors',
    message: /shows the secret credentials of the context in its message/,
  },
  {
    store: ZombieStore,
    bug: 'keeps working after close()',
    section: 'lifecycle',
    message: /write\(\) after close\(\) succeeded, but it must fail with a ConnectionError/,
  },
  {
    store: SoftDeleteCountStore,
    bug: 'counts soft-deleted rows',
    section: 'soft-delete',
    message: /count\(\) after soft-deleting one of 10 rows is 10, expected 9/,
  },
  {
    store: WrongVectorOrderStore,
    bug: 'orders euclidean hits farthest first',
    section: 'vector-search',
    message: /metric: 'euclidean' \}\) returned ids \[8, 7, 5\], expected \[1, 4, 3\]/,
  },
  {
    store: LostUpdateStore,
    bug: 'loses concurrent commits',
    section: 'concurrency',
    message: /after 4 stores committed concurrently.*missing/,
  },
  {
    store: MalformedCapabilitiesStore,
    bug: 'declares a commit mode that does not exist',
    section: 'contract-shape',
    message: /commit must be 'atomic' or 'recoverable', got "eventually"/,
  },
];

describe('the conformance kit', () => {
  it('passes a correct store in every section it claims', { timeout: 120_000 }, async () => {
    const report = await runConformance(optionsFor(ReferenceStore));
    const failures = report.checks.filter((check) => check.status === 'failed');
    expect(failures.map((check) => `${check.id}: ${check.error}`)).toEqual([]);
    const notClaimed = report.checks.filter((check) => check.status === 'not-claimed');
    // The reference store runs in one process and claims exactly the common Arrow types.
    expect(notClaimed.map((check) => `${check.id} [${check.error}]`)).toEqual([
      'cross-process/child-commits [multiProcess]',
      'cross-process/kill-sweep [multiProcess]',
      'cross-process/rerun-in-another-process [multiProcess]',
      'concurrency/processes [multiProcess]',
    ]);
    expect(report.summary.passed).toBe(report.checks.length - 4);
  });

  it('reports a skipped section as not claimed, never as passed', async () => {
    const report = await runConformance({
      ...optionsFor(ReferenceStore),
      skipSections: { 'vector-search': 'no vector column in this backend' },
      sections: ['vector-search', 'contract-shape'],
    });
    const vector = report.checks.filter((check) => check.section === 'vector-search');
    expect(vector.length).toBeGreaterThan(0);
    for (const check of vector) {
      expect(check.status).toBe('not-claimed');
      expect(check.error).toBe('section skipped: no vector column in this backend');
    }
    const others = report.checks.filter(
      (check) => check.section !== 'vector-search' && check.section !== 'contract-shape',
    );
    expect(others.every((check) => check.status === 'not-claimed')).toBe(true);
    expect(
      report.checks
        .filter((check) => check.section === 'contract-shape')
        .every((check) => check.status === 'passed'),
    ).toBe(true);
  });

  it('fails every check with the factory error when no store can be made', async () => {
    const report = await runConformance({
      ...optionsFor(ReferenceStore),
      createStore: () => {
        throw new Error('no such backend');
      },
    });
    expect(report.summary.passed).toBe(0);
    expect(report.checks.every((check) => check.status === 'failed')).toBe(true);
    expect(report.checks[0]?.error).toMatch(
      /createStore\(\) failed with a raw Error: no such backend/,
    );
  });

  it('fails a check that exceeds options.timeoutMs with a clear message', async () => {
    class HangingStore extends ReferenceStore {
      override async finish(): Promise<never> {
        return new Promise(() => {});
      }
    }
    const report = await runConformance({
      ...optionsFor(HangingStore),
      timeoutMs: 300,
      sections: ['staged-writes'],
    });
    const commit = report.checks.find((check) => check.id === 'staged-writes/commit');
    expect(commit?.status).toBe('failed');
    expect(commit?.error).toMatch(/timed out after 300 ms \(options\.timeoutMs\)/);
  });

  describe.each(BROKEN)('catches a store that $bug', ({ store, section, message, options }) => {
    it(`in section ${section}`, { timeout: 60_000 }, async () => {
      const report = await runConformance({
        ...optionsFor(store),
        ...options,
        sections: [section],
      });
      const failed = report.checks.filter(
        (check) => check.section === section && check.status === 'failed',
      );
      expect(failed.length, `${store.name} passed every check of ${section}`).toBeGreaterThan(0);
      expect(failed.map((check) => check.error).join('\n')).toMatch(message);
    });
  });
});
