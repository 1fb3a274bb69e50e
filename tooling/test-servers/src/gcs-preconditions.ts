/**
 * Generation and metageneration preconditions of the Cloud Storage JSON API: the query
 * parameters `ifGenerationMatch`, `ifGenerationNotMatch`, `ifMetagenerationMatch` and
 * `ifMetagenerationNotMatch` (and their `ifSource…` forms for the source of a copy, rewrite
 * or move). `ifGenerationMatch=0` means "only if no live object exists": the create-if-absent
 * write that object stores commit with.
 */
import { conditionNotMet, GcsError, invalidArgument } from './gcs-errors.js';
import type { StoredObject } from './gcs-resources.js';

/** Whether the preconditions guard a read (a failed "not match" answers 304) or a write. */
export type PreconditionKind = 'read' | 'write';

function readNumber(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw invalidArgument(`Invalid value for ${name}: ${value}`);
  return Number(value);
}

/**
 * Throws the error Cloud Storage answers with when a precondition in `query` does not hold
 * for `current` (the live object, or undefined when there is none): 412 `conditionNotMet`,
 * or 304 for a failed "not match" on a read. `prefix` selects the `ifSource…` parameters.
 */
export function checkPreconditions(
  query: URLSearchParams,
  current: StoredObject | undefined,
  kind: PreconditionKind,
  prefix: '' | 'Source' = '',
): void {
  const generationMatch = readNumber(query, `if${prefix}GenerationMatch`);
  const generationNotMatch = readNumber(query, `if${prefix}GenerationNotMatch`);
  const metagenerationMatch = readNumber(query, `if${prefix}MetagenerationMatch`);
  const metagenerationNotMatch = readNumber(query, `if${prefix}MetagenerationNotMatch`);
  const generation = current?.generation ?? 0;

  if (generationMatch !== undefined && generationMatch !== generation) throw conditionNotMet();
  if (metagenerationMatch !== undefined && metagenerationMatch !== current?.metageneration) {
    throw conditionNotMet();
  }
  const notModified =
    kind === 'read' ? new GcsError(304, 'notModified', 'Not Modified') : conditionNotMet();
  if (generationNotMatch !== undefined) {
    // `ifGenerationNotMatch=0` holds when a live object exists.
    if (generationNotMatch === generation) throw notModified;
  }
  if (metagenerationNotMatch !== undefined && metagenerationNotMatch === current?.metageneration) {
    throw notModified;
  }
}
