/**
 * Section 9, Arrow types: each common type the store claims round-trips exactly — values
 * through the independent inspector, and types too through `read()` where the store claims
 * `readBack` — nulls included; a type it does not claim is refused by `write()` with a
 * `ValidationError` and production stays as it was.
 */
import { type StoreCapabilities, typeNamesOf } from '@wharf/store-core';
import {
  type Field,
  Int32,
  Int64,
  type RecordBatch,
  Table,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import {
  type ArrowFixture,
  COMMON_FIXTURES,
  EXTRA_FIXTURES,
  type FixtureColumns,
} from '../arrow-fixtures.js';
import { attempt, describeError, ensure, fail, isExpectedError } from '../assertions.js';
import { type CheckDefinition, defineChecks, type Requirement } from '../check.js';
import { describeDifference, sameRows } from '../compare.js';
import type { CheckHarness } from '../harness.js';
import { NOTHING_LOST } from '../invariants.js';
import { type CanonicalRow, normalizeInspection, rowsOfColumns } from '../normalize.js';
import {
  expectNoStaging,
  expectProduction,
  preferredRunType,
  seedBaseline,
} from '../run-scenarios.js';

function claimedTypes(capabilities: StoreCapabilities): readonly string[] {
  return Array.isArray(capabilities.arrowTypes) ? capabilities.arrowTypes : [];
}

/** Every type name the fixture's columns use (a list of int32 uses `list` and `int32`). */
function fixtureTypeNames(columns: FixtureColumns): string[] {
  const table = new Table(columns);
  return [...new Set(table.schema.fields.flatMap((field) => typeNamesOf(field)))];
}

function unclaimedName(fixture: ArrowFixture, capabilities: StoreCapabilities): string | undefined {
  const claimed = claimedTypes(capabilities);
  return fixtureTypeNames(fixture.build()).find((name) => !claimed.includes(name));
}

/** A table of the fixture's columns with an `id` column (1, 2, …) of a claimed integer type. */
function fixtureTable(columns: FixtureColumns, capabilities: StoreCapabilities): Table {
  const length = Object.values(columns)[0]?.length ?? 0;
  const claimed = claimedTypes(capabilities);
  const ids = Array.from({ length }, (_, index) => index + 1);
  const id: Vector | undefined = claimed.includes('int64')
    ? vectorFromArray(ids.map(BigInt), new Int64())
    : claimed.includes('int32')
      ? vectorFromArray(ids, new Int32())
      : undefined;
  return new Table(id === undefined ? columns : { id, ...columns });
}

function describeValue(row: CanonicalRow | undefined, column: string): string {
  if (row === undefined) return 'no row';
  const value = row.values[column];
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** Which columns differ, matched by `id`, or the plain row difference. */
function roundTripDifference(
  actual: readonly CanonicalRow[],
  expected: readonly CanonicalRow[],
  fields: readonly Field[],
): string {
  if (!fields.some((field) => field.name === 'id') || actual.length !== expected.length) {
    return describeDifference(actual, expected);
  }
  const byId = new Map(actual.map((row) => [JSON.stringify(row.values.id), row]));
  const problems: string[] = [];
  for (const field of fields) {
    if (field.name === 'id') continue;
    const mismatches = expected.filter((row) => {
      const other = byId.get(JSON.stringify(row.values.id));
      return JSON.stringify(other?.values[field.name]) !== JSON.stringify(row.values[field.name]);
    });
    if (mismatches.length === 0) continue;
    const shown = mismatches
      .slice(0, 2)
      .map((row) => {
        const other = byId.get(JSON.stringify(row.values.id));
        return `id ${describeValue(row, 'id')} wrote ${describeValue(row, field.name)} and got back ${describeValue(other, field.name)}`;
      })
      .join('; ');
    problems.push(`column '${field.name}' (${String(field.type)}): ${shown}`);
  }
  return problems.length > 0 ? problems.join(' | ') : describeDifference(actual, expected);
}

/** Writes `columns`, commits, and compares production (and `read()`) with what was written. */
async function roundTrip(harness: CheckHarness, label: string, columns: FixtureColumns) {
  const table = fixtureTable(columns, harness.capabilities);
  const fields = table.schema.fields;
  const expected = rowsOfColumns(table, fields, 'the written table');
  const runType = preferredRunType(harness.capabilities);
  const store = await harness.openStore();
  harness.activity = `writing and committing ${label} data`;
  await store.configureForRun(runType);
  await store.write(table);
  await store.finish();

  harness.activity = `inspecting ${label} data in production`;
  const inspected = normalizeInspection(await harness.inspect(), fields);
  ensure(
    sameRows(inspected, expected),
    () =>
      `${label} values did not round-trip (production, read by the inspector): ${roundTripDifference(inspected, expected, fields)} — a claimed Arrow type must be stored exactly`,
  );

  if (!harness.capabilities.readBack) return;
  harness.activity = `reading ${label} data back with read()`;
  const batches: RecordBatch[] = [];
  for await (const batch of store.read()) batches.push(batch);
  for (const batch of batches) {
    for (const field of fields) {
      const type = batch.schema.fields.find((candidate) => candidate.name === field.name)?.type;
      ensure(
        String(type) === String(field.type),
        `read() returned column '${field.name}' as ${String(type)}, but ${String(field.type)} was written — a claimed type must come back as the same Arrow type`,
      );
    }
  }
  const read = batches.flatMap((batch) => rowsOfColumns(batch, fields, 'a batch from read()'));
  ensure(
    sameRows(read, expected),
    () =>
      `${label} values did not round-trip through read(): ${roundTripDifference(read, expected, fields)}`,
  );
}

function typeCheck(fixture: ArrowFixture): CheckDefinition {
  const requires: Requirement = (capabilities) => {
    const missing = unclaimedName(fixture, capabilities);
    return missing === undefined ? undefined : `arrowTypes.${missing}`;
  };
  return {
    slug: fixture.type,
    title: `${fixture.type} round-trips exactly (${fixture.covers})`,
    requires,
    async run(harness) {
      await roundTrip(harness, fixture.type, fixture.build());
    },
  };
}

function claimedFixtures(capabilities: StoreCapabilities): ArrowFixture[] {
  return COMMON_FIXTURES.filter((fixture) => unclaimedName(fixture, capabilities) === undefined);
}

function unclaimedFixtures(capabilities: StoreCapabilities): ArrowFixture[] {
  return [...COMMON_FIXTURES, ...EXTRA_FIXTURES].filter(
    (fixture) => unclaimedName(fixture, capabilities) !== undefined,
  );
}

/** The checks of the Arrow types section. */
export const arrowTypesChecks = defineChecks('arrow-types', [
  ...COMMON_FIXTURES.map(typeCheck),
  {
    slug: 'nulls',
    title: 'nulls in a column of every claimed type round-trip as nulls',
    requires: (capabilities) =>
      claimedFixtures(capabilities).length === 0
        ? 'arrowTypes (none of the common types)'
        : undefined,
    async run(harness) {
      const fixtures = claimedFixtures(harness.capabilities);
      const columns: FixtureColumns = {};
      for (const fixture of fixtures) {
        const built = fixture.build();
        for (const [name, vector] of Object.entries(built)) {
          columns[`${fixture.type}_${name}`] = vectorFromArray([null, null, null], vector.type);
        }
      }
      await roundTrip(harness, 'null', columns);
    },
  },
  {
    slug: 'unclaimed-rejected',
    title: 'a type the store does not claim is refused by write() with a ValidationError',
    requires: (capabilities) =>
      unclaimedFixtures(capabilities).length === 0
        ? 'an Arrow type left unclaimed (the store claims every type the kit can build)'
        : undefined,
    async run(harness) {
      const before = await seedBaseline(harness);
      for (const fixture of unclaimedFixtures(harness.capabilities)) {
        const missing = unclaimedName(fixture, harness.capabilities);
        const table = new Table(fixture.build());
        const store = await harness.openStore();
        await store.configureForRun(preferredRunType(harness.capabilities));
        harness.activity = `writing ${fixture.covers}, which the store does not claim`;
        const error = await attempt(async () => {
          await store.write(table);
          await store.finish();
        });
        if (error === undefined) {
          fail(
            `write() and finish() accepted ${fixture.covers} although the store does not claim '${missing}' — a type outside capabilities.arrowTypes must be refused with a ValidationError (or claimed and round-tripped)`,
          );
        }
        ensure(
          isExpectedError(error, 'ValidationError'),
          () =>
            `writing ${fixture.covers} (unclaimed '${missing}') threw ${describeError(error)}, expected a ValidationError`,
        );
        await store.cleanupStaging();
        await harness.closeQuietly(store);
        await expectProduction(
          harness,
          before,
          `after ${fixture.covers} was refused`,
          NOTHING_LOST,
        );
        await expectNoStaging(harness, `after ${fixture.covers} was refused`);
      }
    },
  },
]);
