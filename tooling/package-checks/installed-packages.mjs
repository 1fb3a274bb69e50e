/**
 * Reads an installed node_modules tree the way Node resolves it, to say for each package
 * where it sits and through which chain of dependencies the project pulled it in.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

function readManifest(directory) {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
}

/** Every package directory under `nodeModules`, including scoped and nested ones. */
function packageDirectories(nodeModules) {
  if (!existsSync(nodeModules)) return [];
  const found = [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || !(entry.isDirectory() || entry.isSymbolicLink())) continue;
    const entryPath = join(nodeModules, entry.name);
    const candidates = entry.name.startsWith('@')
      ? readdirSync(entryPath).map((name) => join(entryPath, name))
      : [entryPath];
    for (const directory of candidates) {
      if (!existsSync(join(directory, 'package.json'))) continue;
      found.push(directory, ...packageDirectories(join(directory, 'node_modules')));
    }
  }
  return found;
}

/** Node's lookup: the nearest `node_modules/<name>` from `fromDirectory` up to `root`. */
function resolveFrom(fromDirectory, name, root) {
  let directory = fromDirectory;
  for (;;) {
    const candidate = join(directory, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (directory === root) return undefined;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

function dependencyNames(manifest) {
  return [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ];
}

/**
 * Lists every package installed under `projectDirectory/node_modules`.
 *
 * Each entry has the package `name`, its `location` relative to the project
 * (`node_modules/a/node_modules/b`) and `via`: the shortest chain of package names from one
 * of the project's own dependencies to it (`['@wharf/store-x', 'some-lib', 'b']`), or
 * undefined when nothing depends on it.
 *
 * @param {string} projectDirectory
 * @returns {Array<{ name: string, location: string, via: string[] | undefined }>}
 */
export function listInstalledPackages(projectDirectory) {
  const directories = packageDirectories(join(projectDirectory, 'node_modules'));
  const names = new Map(directories.map((directory) => [directory, readManifest(directory).name]));

  // Breadth-first from the project's dependencies, so each chain is a shortest one.
  const via = new Map();
  const queue = [];
  for (const name of dependencyNames(readManifest(projectDirectory))) {
    const directory = resolveFrom(projectDirectory, name, projectDirectory);
    if (directory !== undefined && !via.has(directory)) {
      via.set(directory, [name]);
      queue.push(directory);
    }
  }
  while (queue.length > 0) {
    const directory = queue.shift();
    for (const name of dependencyNames(readManifest(directory))) {
      const target = resolveFrom(directory, name, projectDirectory);
      if (target !== undefined && !via.has(target)) {
        via.set(target, [...via.get(directory), name]);
        queue.push(target);
      }
    }
  }

  return directories.map((directory) => ({
    name: names.get(directory),
    location: relative(projectDirectory, directory).split(sep).join('/'),
    via: via.get(directory),
  }));
}
