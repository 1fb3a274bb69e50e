/**
 * Which driver or SDK packages belong to which backend. A user who installs
 * `@wharf/store-core` and one backend must get that backend's driver and nobody else's;
 * the closure check uses this table to tell.
 *
 * A new backend package must be added here (with an empty list if it has no driver), or the
 * closure check fails for it.
 */

/** Backend package name → the packages only that backend may bring. `@scope/*` matches a scope. */
export const backendDrivers = {
  '@wharf/store-parquet': ['parquet-wasm'],
  '@wharf/store-sqlite': ['better-sqlite3'],
  '@wharf/store-postgres': ['pg', 'pg-copy-streams'],
  '@wharf/store-redis': ['ioredis'],
  '@wharf/store-s3': ['@aws-sdk/*', '@smithy/*'],
  '@wharf/store-gcs': ['@google-cloud/*'],
  '@wharf/store-adls': ['@azure/*'],
  // The CLI loads backends on demand: installing it must bring none of their drivers.
  '@wharf/cli': [],
};

/** True when the installed package `name` matches `pattern` (an exact name or `@scope/*`). */
export function matchesPattern(name, pattern) {
  return pattern.endsWith('/*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/**
 * `name` followed by every `@wharf/*` package it depends on, directly or transitively.
 *
 * @param {string} name
 * @param {(name: string) => string[]} wharfDependenciesOf - the `@wharf/*` packages a
 *   workspace package depends on (dependencies, peer and optional dependencies)
 * @returns {string[]}
 */
export function wharfClosure(name, wharfDependenciesOf) {
  const reached = [];
  const pending = [name];
  while (pending.length > 0) {
    const next = pending.shift();
    if (reached.includes(next)) continue;
    reached.push(next);
    pending.push(...wharfDependenciesOf(next));
  }
  return reached;
}

/**
 * The driver packages that must not be installed with `backend` (or with store-core alone,
 * when `backend` is undefined): those of every other backend, except the backends that
 * `backend` itself depends on, whose drivers it legitimately brings.
 *
 * @param {string | undefined} backend
 * @param {(name: string) => string[]} wharfDependenciesOf - as for {@link wharfClosure}
 * @returns {{ forbidden: Array<{ pattern: string, owner: string }>, allowedBackends: string[] }}
 */
export function forbiddenDriversFor(backend, wharfDependenciesOf) {
  const reached = backend === undefined ? [] : wharfClosure(backend, wharfDependenciesOf);
  const allowedBackends = reached.filter((name) => Object.hasOwn(backendDrivers, name));
  const forbidden = Object.entries(backendDrivers)
    .filter(([owner]) => !allowedBackends.includes(owner))
    .flatMap(([owner, patterns]) => patterns.map((pattern) => ({ pattern, owner })));
  return { forbidden, allowedBackends };
}
