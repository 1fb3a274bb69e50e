/**
 * The dependency-closure rule: a project that installed store-core and one backend holds no
 * driver of another backend, and exactly one copy of each `@wharf/*` package.
 */
import { matchesPattern } from './backend-drivers.mjs';
import { listInstalledPackages } from './installed-packages.mjs';

/**
 * Walks `projectDirectory/node_modules` and describes every rule violation found, each with
 * the install location and the dependency chain that pulled the package in. `problems` is
 * empty when the closure is clean.
 *
 * @param {string} projectDirectory - a project where `npm install` has run
 * @param {Array<{ pattern: string, owner: string }>} forbidden - from `forbiddenDriversFor`
 * @returns {{ installedCount: number, problems: string[] }}
 */
export function findClosureProblems(projectDirectory, forbidden) {
  const installedPackages = listInstalledPackages(projectDirectory);
  const problems = [];
  for (const installed of installedPackages) {
    const chain = installed.via ? installed.via.join(' > ') : 'nothing (extraneous)';
    const match = forbidden.find(({ pattern }) => matchesPattern(installed.name, pattern));
    if (match !== undefined) {
      problems.push(
        `${installed.name} (a driver of ${match.owner}) at ${installed.location}, pulled in via ${chain}`,
      );
    }
    if (
      installed.name.startsWith('@wharf/') &&
      installed.location !== `node_modules/${installed.name}`
    ) {
      problems.push(
        `a second copy of ${installed.name} at ${installed.location}, pulled in via ${chain} ` +
          '(a version range is not satisfied by the workspace tarball)',
      );
    }
  }
  return { installedCount: installedPackages.length, problems };
}
