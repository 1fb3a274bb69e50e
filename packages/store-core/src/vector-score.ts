/** Brute-force vector scoring for `search()`, for stores that score vectors themselves. */
import { ValidationError } from './errors.js';
import type { VectorMetric } from './records.js';

/**
 * The score of `candidate` against `query`: cosine similarity (0 when either vector is all
 * zeros), dot product, or euclidean distance. Higher is nearer, except for `'euclidean'`,
 * where lower is. A candidate's elements are read with `Number()`, so a vector decoded from
 * JSON or a typed array scores the same as a plain array of numbers.
 *
 * Throws a `ValidationError` when the two differ in length or the metric is unknown.
 *
 * @example
 * const hits = rows
 *   .map((row) => ({ row, score: vectorScore('cosine', query, row.embedding as number[]) }))
 *   .sort((left, right) => right.score - left.score);
 */
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
  if (metric !== 'cosine') throw new ValidationError(`search: unknown metric '${String(metric)}'`);
  const norms = Math.sqrt(queryNorm) * Math.sqrt(candidateNorm);
  return norms === 0 ? 0 : dot / norms;
}
