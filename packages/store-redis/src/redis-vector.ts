/** Brute-force vector scores for `search()`. */
import { ValidationError, type VectorMetric } from '@wharf/store-core';

/** The score of `candidate` against `query`: cosine similarity, dot product, or euclidean distance. */
export function vectorScore(
  metric: VectorMetric,
  query: readonly number[],
  candidate: readonly number[],
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
