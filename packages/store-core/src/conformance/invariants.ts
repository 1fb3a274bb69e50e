/**
 * The five staged-write invariants of the contract, worded for failure messages so that every
 * check names the rule a store broke in the same words.
 */

/** Invariant 1. */
export const ISOLATION =
  'invariant 1, isolation: staged data must stay invisible until finish() commits';
/** Invariant 2. */
export const ATOMICITY =
  'invariant 2, atomicity: production must be exactly as before or as after a run, never a mix';
/** Invariant 3. */
export const EXACTLY_ONCE =
  'invariant 3, exactly once: publish must record the run id and change nothing for an id production already holds';
/** Invariant 4. */
export const NOTHING_LOST =
  'invariant 4, nothing lost: a failed or aborted run must leave production unchanged';
/** Invariant 5. */
export const NO_LEAKS =
  'invariant 5, no leaks: no staging artefacts may remain after commit, abort or recovery';
