/**
 * Brute-force nearest-neighbour scoring for `search()`: the store scans the matching rows'
 * vectors once and keeps only the best `k`, so memory stays bounded by `k`, not by the table.
 */
import { ValidationError, type VectorMetric } from '@wharf/store-core';

/** The score of `candidate` against `query`: cosine similarity, dot product or euclidean distance. */
export function vectorScore(
  metric: VectorMetric,
  query: readonly number[],
  candidate: readonly unknown[],
): number {
  if (candidate.length !== query.length) {
    throw new ValidationError(
      `search: the query has ${query.length} dimensions but a stored vector has ${candidate.length}`,
    );
  }
  let dot = 0;
  let queryNorm = 0;
  let candidateNorm = 0;
  let distance = 0;
  for (let index = 0; index < query.length; index += 1) {
    const left = query[index]!;
    const right = Number(candidate[index]);
    dot += left * right;
    queryNorm += left * left;
    candidateNorm += right * right;
    distance += (left - right) ** 2;
  }
  if (metric === 'dot') return dot;
  if (metric === 'euclidean') return Math.sqrt(distance);
  const norms = Math.sqrt(queryNorm) * Math.sqrt(candidateNorm);
  return norms === 0 ? 0 : dot / norms;
}

/** Keeps the `k` best of the scores offered to it, best first. */
export class TopK<T> {
  readonly #k: number;
  readonly #better: (left: number, right: number) => boolean;
  readonly #hits: { item: T; score: number }[] = [];

  constructor(k: number, metric: VectorMetric) {
    this.#k = k;
    this.#better =
      metric === 'euclidean' ? (left, right) => left < right : (left, right) => left > right;
  }

  offer(item: T, score: number): void {
    const hits = this.#hits;
    if (hits.length === this.#k && !this.#better(score, hits[hits.length - 1]!.score)) return;
    let position = hits.length;
    while (position > 0 && this.#better(score, hits[position - 1]!.score)) position -= 1;
    hits.splice(position, 0, { item, score });
    if (hits.length > this.#k) hits.pop();
  }

  /** The kept hits, best first (ties in the order they were offered). */
  get hits(): readonly { item: T; score: number }[] {
    return this.#hits;
  }
}

/** Validates a metric name. */
export function checkMetric(metric: unknown): VectorMetric {
  if (metric === 'cosine' || metric === 'euclidean' || metric === 'dot') return metric;
  throw new ValidationError(`search: unknown metric '${String(metric)}'`);
}
