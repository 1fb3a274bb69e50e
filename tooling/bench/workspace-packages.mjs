/**
 * Backends the harness measures only when they are in the workspace and built. store-parquet
 * and store-sqlite are ordinary dependencies; the server backends are loaded from their
 * built `dist/` by path, so that the harness installs and runs in a checkout that does not
 * have them (their cases are then reported as skipped). A package loaded this way resolves
 * its own dependencies, and the same apache-arrow and store-core as the harness, from its
 * own folder. The cloud baselines load the cloud's SDK the same way, from the store package
 * that depends on it, so both sides run the same SDK release.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (this file is in tooling/bench). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The built ESM entry of `packages/<folder>`, or undefined when it is absent or not built. */
export function workspacePackageEntry(folder) {
  const entry = join(repoRoot, 'packages', folder, 'dist', 'index.js');
  return existsSync(entry) ? entry : undefined;
}

/** Imports `packages/<folder>` from its build. */
export async function importWorkspacePackage(folder) {
  const entry = workspacePackageEntry(folder);
  if (!entry) throw new Error(`packages/${folder} is missing or not built (run pnpm build)`);
  return import(pathToFileURL(entry).href);
}

/**
 * A dependency of `packages/<folder>` (its cloud SDK, say), loaded as that package resolves
 * it. The harness does not depend on the SDKs itself.
 */
export function requireWorkspaceDependency(folder, name) {
  return createRequire(join(repoRoot, 'packages', folder, 'package.json'))(name);
}
