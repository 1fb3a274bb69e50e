/**
 * Brute-force nearest-neighbour search for `search()`: the store scans the matching rows'
 * vectors once, scores each with store-core's `vectorScore`, and keeps only the best `k`, so
 * memory stays bounded by `k`, not by the table.
 */
import { ValidationError, type VectorMetric } from '@wharf/store-core';

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
