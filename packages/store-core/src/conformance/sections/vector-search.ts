/**
 * Section 15, vector search: over a known set of vectors, `search()` returns the k nearest in
 * the right order for cosine and euclidean distance, and every row when k exceeds the rows.
 */
import type { StoreCapabilities, VectorMetric } from '@wharf/store-core';
import { Field, Float32, Float64, Int64, List, Table, vectorFromArray } from 'apache-arrow';
import { ensure } from '../assertions.js';
import { allOf, defineChecks, needArrowTypes, needCapability, type Requirement } from '../check.js';
import type { CheckHarness } from '../harness.js';
import { idList } from '../records-helpers.js';
import { preferredRunType } from '../run-scenarios.js';

/** Eight vectors with no ties in cosine or euclidean distance from {@link QUERY}. */
const VECTORS: readonly (readonly number[])[] = [
  [1, 0, 0],
  [0, 1, 0],
  [1, 1.25, 0],
  [0.5, 0.25, 0],
  [3, 1, 0],
  [0, 0, 1],
  [-1, -0.5, 0],
  [2, 2, 2],
];
const QUERY = [1, 0.5, 0];

function claimsFloat32(capabilities: StoreCapabilities): boolean {
  return Array.isArray(capabilities.arrowTypes) && capabilities.arrowTypes.includes('float32');
}

const needVectors: Requirement = (capabilities, options) => {
  const base = allOf(needCapability('vectorSearch'), needArrowTypes('int64', 'list'))(
    capabilities,
    options,
  );
  if (base !== undefined) return base;
  return claimsFloat32(capabilities) ? undefined : needArrowTypes('float64')(capabilities, options);
};

function score(metric: VectorMetric, vector: readonly number[]): number {
  const dot = vector.reduce((sum, value, index) => sum + value * (QUERY[index] ?? 0), 0);
  if (metric === 'dot') return dot;
  if (metric === 'euclidean') {
    return Math.sqrt(
      vector.reduce((sum, value, index) => sum + (value - (QUERY[index] ?? 0)) ** 2, 0),
    );
  }
  const norm = (values: readonly number[]) =>
    Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
  return dot / (norm(vector) * norm(QUERY));
}

/** Ids 1 … 8 nearest first. */
function expectedOrder(metric: VectorMetric): string[] {
  return VECTORS.map((vector, index) => ({ id: String(index + 1), score: score(metric, vector) }))
    .sort((left, right) =>
      metric === 'euclidean' ? left.score - right.score : right.score - left.score,
    )
    .map((hit) => hit.id);
}

async function seeded(harness: CheckHarness) {
  const item = claimsFloat32(harness.capabilities) ? new Float32() : new Float64();
  const table = new Table({
    id: vectorFromArray(
      VECTORS.map((_, index) => BigInt(index + 1)),
      new Int64(),
    ),
    embedding: vectorFromArray(
      VECTORS.map((vector) => [...vector]),
      new List(new Field('item', item, true)),
    ),
  });
  const store = await harness.openStore();
  harness.activity = 'committing eight vectors';
  await store.configureForRun(preferredRunType(harness.capabilities));
  await store.write(table);
  await store.finish();
  return store;
}

function nearestCheck(metric: 'cosine' | 'euclidean') {
  return {
    slug: metric,
    title: `search() returns the k nearest by ${metric} distance, nearest first`,
    requires: needVectors,
    context: { key: ['id'] },
    async run(harness: CheckHarness) {
      const store = await seeded(harness);
      harness.activity = `searching the 3 nearest by ${metric}`;
      const hits = await store.search({ column: 'embedding', vector: QUERY, k: 3, metric });
      const ids = hits.map((hit) => String(hit.row.id));
      const expected = expectedOrder(metric).slice(0, 3);
      ensure(
        JSON.stringify(ids) === JSON.stringify(expected),
        `search({ k: 3, metric: '${metric}' }) returned ids [${idList(ids)}], expected [${idList(expected)}] in that order`,
      );
      const scores = hits.map((hit) => hit.score);
      const ordered = scores.every((value, index) =>
        index === 0
          ? true
          : metric === 'euclidean'
            ? value >= scores[index - 1]!
            : value <= scores[index - 1]!,
      );
      ensure(
        ordered,
        `search({ metric: '${metric}' }) scores are not in order: [${scores.join(', ')}] — ${metric === 'euclidean' ? 'a lower' : 'a higher'} score is nearer and comes first`,
      );
    },
  };
}

/** The checks of the vector search section. */
export const vectorSearchChecks = defineChecks('vector-search', [
  nearestCheck('cosine'),
  nearestCheck('euclidean'),
  {
    slug: 'k-beyond-rows',
    title: 'search() with k larger than the rows returns every row, in order',
    requires: needVectors,
    context: { key: ['id'] },
    async run(harness) {
      const store = await seeded(harness);
      harness.activity = 'searching with k = 100 over 8 rows';
      const hits = await store.search({
        column: 'embedding',
        vector: QUERY,
        k: 100,
        metric: 'euclidean',
      });
      const ids = hits.map((hit) => String(hit.row.id));
      const expected = expectedOrder('euclidean');
      ensure(
        JSON.stringify(ids) === JSON.stringify(expected),
        `search({ k: 100 }) over 8 rows returned ids [${idList(ids)}], expected all 8 nearest first: [${idList(expected)}]`,
      );
    },
  },
]);
