/**
 * Section 10, bad input: anything that is not Arrow, a batch whose schema does not fit the
 * run, a null in a non-nullable column, a dangerous table name or run id — each is refused
 * with a `ValidationError`, and production stays exactly as it was.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { batchFromColumns, type Store } from '@wharf/store-core';
import {
  Field,
  Int64,
  makeData,
  makeVector,
  Schema,
  Table,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import {
  attempt,
  describeError,
  ensure,
  expectStoreError,
  fail,
  isExpectedError,
} from '../assertions.js';
import { allOf, defineChecks, needArrowTypes, needStandardData } from '../check.js';
import { makeRows, standardRows } from '../dataset.js';
import type { CheckHarness } from '../harness.js';
import { NOTHING_LOST } from '../invariants.js';
import {
  expectNoStaging,
  expectProduction,
  preferredRunType,
  seedBaseline,
  tableFromRows,
  writeRun,
} from '../run-scenarios.js';

const NOT_ARROW: readonly [string, unknown][] = [
  ['a plain object', { id: 1 }],
  ['an array of rows', [{ id: 1 }, { id: 2 }]],
  ['null', null],
  ['undefined', undefined],
  ['a string', 'id,name\n1,x'],
  ['a number', 42],
];

/** Table names that would escape their place in a path, a key or an SQL statement. */
export const DANGEROUS_TABLE_NAMES: readonly string[] = [
  '../x',
  'a/b',
  'a\\b',
  'a"b',
  "a'b",
  'x; DROP TABLE y',
  'a b',
  '',
  'x\u0000y',
];

async function openForRun(harness: CheckHarness): Promise<Store> {
  const store = await harness.openStore();
  await store.configureForRun(preferredRunType(harness.capabilities));
  return store;
}

/** Tries a store for a dangerous table name; returns how it was refused, or fails. */
async function refuseTableName(harness: CheckHarness, name: string): Promise<void> {
  const label = `table name ${JSON.stringify(name)}`;
  const rule = `${label} must be refused with a ValidationError at construction, connect() or the first write — identifiers are validated before any I/O`;
  const check = (error: unknown, stage: string) => {
    ensure(
      isExpectedError(error, 'ValidationError'),
      () => `the store for ${label} failed at ${stage} with ${describeError(error)} — ${rule}`,
    );
  };
  harness.activity = `creating a store for ${label}`;
  let store: Store;
  try {
    store = await harness.createStore({ table: name });
  } catch (error) {
    check(error, 'construction');
    return;
  }
  harness.activity = `connecting a store for ${label}`;
  const connectError = await attempt(() => store.connect());
  if (connectError !== undefined) {
    check(connectError, 'connect()');
    return;
  }
  harness.activity = `writing through a store for ${label}`;
  const writeError = await attempt(() =>
    writeRun(store, preferredRunType(harness.capabilities), [
      tableFromRows(harness, standardRows(1, 3)),
    ]),
  );
  if (writeError === undefined) fail(`a store for ${label} accepted a run — ${rule}`);
  check(writeError, 'the first write');
}

/** The checks of the bad input section. */
export const badInputChecks = defineChecks('bad-input', [
  {
    slug: 'not-arrow',
    title: 'write() of anything but an Arrow Table or RecordBatch is a ValidationError',
    requires: needStandardData,
    async run(harness) {
      const before = await seedBaseline(harness);
      const store = await openForRun(harness);
      for (const [label, value] of NOT_ARROW) {
        harness.activity = `writing ${label}`;
        await expectStoreError(
          () => store.write(value as never),
          'ValidationError',
          `write(${label})`,
          'write() accepts only an Arrow Table or RecordBatch',
        );
      }
      await expectProduction(
        harness,
        before,
        'after refused writes of non-Arrow values',
        NOTHING_LOST,
      );
      harness.activity = 'committing a good run after the refused writes';
      const rows = standardRows(101, 10);
      await store.write(tableFromRows(harness, rows));
      await store.finish();
      const runType = preferredRunType(harness.capabilities);
      await expectProduction(
        harness,
        runType === 'full_drop' ? rows : [...before, ...rows],
        'after a good run following refused writes',
        'a refused write must not spoil the run: the store stays usable',
      );
    },
  },
  {
    slug: 'schema-mismatch',
    title: 'a batch whose column types differ from the run is a ValidationError',
    requires: allOf(needStandardData, needArrowTypes('utf8', 'float64')),
    async run(harness) {
      const before = await seedBaseline(harness);
      const store = await openForRun(harness);
      harness.activity = 'writing a first batch';
      await store.write(tableFromRows(harness, standardRows(101, 2)));
      const standard = tableFromRows(harness, standardRows(103, 2));
      const columns: Record<string, Vector> = {};
      for (const field of harness.fields) {
        columns[field.name] =
          field.name === 'value'
            ? vectorFromArray(['one', 'two'], new Utf8())
            : standard.getChild(field.name)!;
      }
      const mismatched = new Table(columns);
      harness.activity = 'writing a second batch with value as utf8 instead of float64';
      const error = await attempt(async () => {
        await store.write(mismatched);
        await store.finish();
      });
      if (error === undefined) {
        fail(
          "a batch whose column 'value' is utf8 after a batch where it was float64 was accepted — a schema mismatch within a run must be a ValidationError",
        );
      }
      ensure(
        isExpectedError(error, 'ValidationError'),
        () =>
          `a schema mismatch between two batches threw ${describeError(error)}, expected a ValidationError`,
      );
      await store.cleanupStaging();
      await expectProduction(
        harness,
        before,
        'after a run refused for a schema mismatch',
        NOTHING_LOST,
      );
      await expectNoStaging(
        harness,
        'after cleanupStaging() of a run refused for a schema mismatch',
      );
    },
  },
  {
    slug: 'null-in-non-nullable',
    title: 'a null in a non-nullable column is a ValidationError',
    requires: needStandardData,
    async run(harness) {
      const before = await seedBaseline(harness);
      const store = await openForRun(harness);
      const schema = new Schema([new Field('id', new Int64(), false)]);
      const ids = makeVector(
        makeData({
          type: new Int64(),
          length: 3,
          nullCount: 1,
          nullBitmap: Uint8Array.from([0b101]),
          data: BigInt64Array.from([201n, 0n, 203n]),
        }),
      );
      const table = new Table([batchFromColumns(schema, [ids], 3)]);
      harness.activity = "writing a batch with a null in the non-nullable column 'id'";
      const error = await attempt(async () => {
        await store.write(table);
        await store.finish();
      });
      if (error === undefined) {
        fail(
          "a batch with a null in the non-nullable column 'id' was committed — it must be refused with a ValidationError",
        );
      }
      ensure(
        isExpectedError(error, 'ValidationError'),
        () =>
          `a null in a non-nullable column threw ${describeError(error)}, expected a ValidationError`,
      );
      await store.cleanupStaging();
      await expectProduction(
        harness,
        before,
        'after a batch with a null key was refused',
        NOTHING_LOST,
      );
    },
  },
  {
    slug: 'table-names',
    title: 'table names with path traversal, quotes or SQL are refused',
    requires: needStandardData,
    async run(harness) {
      const before = await seedBaseline(harness);
      const escaped = join(dirname(harness.context.directory), 'x');
      const existed = existsSync(escaped);
      for (const name of DANGEROUS_TABLE_NAMES) {
        await refuseTableName(harness, name);
      }
      ensure(
        existed || !existsSync(escaped),
        `a store for table name '../x' created ${escaped}, outside its directory — table names must never reach a path unvalidated`,
      );
      await expectProduction(
        harness,
        before,
        'after stores for dangerous table names were refused',
        NOTHING_LOST,
      );
    },
  },
  {
    slug: 'invalid-run-id',
    title: 'run ids with path separators or SQL are refused',
    requires: needStandardData,
    async run(harness) {
      const store = await harness.openStore();
      const runType = preferredRunType(harness.capabilities);
      for (const runId of ['../../x', 'a/b', 'x; DROP TABLE y', '']) {
        await expectStoreError(
          () => store.configureForRun(runType, { runId }),
          'ValidationError',
          `configureForRun('${runType}', { runId: ${JSON.stringify(runId)} })`,
          'run ids end up in file names and keys: letters, digits, dot, dash and underscore only',
        );
      }
      harness.activity = 'committing a run after the refused run ids';
      await writeRun(store, runType, [makeRows(1, 5, 0, harness.fields)]);
      await expectProduction(
        harness,
        standardRows(1, 5),
        'after a run following refused run ids',
        'the store stays usable',
      );
    },
  },
]);
