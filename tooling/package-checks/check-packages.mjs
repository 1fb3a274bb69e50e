#!/usr/bin/env node
/**
 * Checks every published package (`packages/*` not marked private) as its users will meet it.
 * Run after `pnpm build`:
 *
 *   node tooling/package-checks/check-packages.mjs
 *
 * 1. `publint --strict`: the package.json and the packed files agree.
 * 2. `attw --pack`: the types resolve for every entry point under every module resolution.
 * 3. Dependency closure: in an empty project, `npm install` store-core plus one backend from
 *    the packed tarballs (as an outsider would) and fail if any other backend's driver or
 *    SDK came along. store-core alone must bring none.
 *
 * Prints a table and exits non-zero when anything failed.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendDrivers, forbiddenDriversFor, wharfClosure } from './backend-drivers.mjs';
import { findClosureProblems } from './closure-check.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const coreName = '@wharf/store-core';

/** Runs a command to completion; never throws. */
function run(command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  return { ok: result.status === 0, output: output.trim() };
}

function readManifest(directory) {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
}

/** The published workspace packages: `packages/*` whose package.json is not private. */
function publishedPackages() {
  const root = join(repoRoot, 'packages');
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'package.json')))
    .map((entry) => ({
      directory: join(root, entry.name),
      manifest: readManifest(join(root, entry.name)),
    }))
    .filter(({ manifest }) => manifest.private !== true)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

function describeFailure(output) {
  const lines = output.split('\n');
  return lines.length > 60
    ? [...lines.slice(0, 60), `… (${lines.length - 60} more lines)`].join('\n')
    : output;
}

function checkPublint(pkg) {
  const result = run('pnpm', ['exec', 'publint', '--strict', pkg.directory], repoRoot);
  return result.ok ? { ok: true } : { ok: false, detail: describeFailure(result.output) };
}

function checkAttw(pkg) {
  const result = run('pnpm', ['exec', 'attw', '--pack', pkg.directory, '--no-color'], repoRoot);
  return result.ok ? { ok: true } : { ok: false, detail: describeFailure(result.output) };
}

/** Packs every published package into `destination`; returns name → tarball path. */
function packAll(packages, destination) {
  const tarballs = new Map();
  for (const pkg of packages) {
    const result = run(
      'pnpm',
      ['pack', '--pack-destination', destination, '--json'],
      pkg.directory,
    );
    if (!result.ok) throw new Error(`pnpm pack failed for ${pkg.manifest.name}:\n${result.output}`);
    const { filename } = JSON.parse(result.output.slice(result.output.indexOf('{')));
    tarballs.set(pkg.manifest.name, resolve(destination, filename));
  }
  return tarballs;
}

/**
 * Installs store-core and `backend` (undefined: store-core alone) with npm into a fresh
 * project under `workDirectory` and checks what arrived.
 */
function checkClosure(backend, { tarballs, wharfDependenciesOf, workDirectory }) {
  if (backend !== undefined && !Object.hasOwn(backendDrivers, backend)) {
    return {
      ok: false,
      detail: `${backend} is not listed in tooling/package-checks/backend-drivers.mjs: add it with its driver packages (an empty list if it has none)`,
    };
  }
  const { forbidden, allowedBackends } = forbiddenDriversFor(backend, wharfDependenciesOf);
  const notes = allowedBackends
    .filter((name) => name !== backend)
    .map((name) => `allows ${name}'s drivers (a dependency of ${backend})`);

  const needed = [
    coreName,
    ...(backend === undefined ? [] : wharfClosure(backend, wharfDependenciesOf)),
  ];
  const missing = needed.filter((name) => !tarballs.has(name));
  if (missing.length > 0) {
    return { ok: false, detail: `no workspace tarball for ${missing.join(', ')} (is it private?)` };
  }
  const project = join(workDirectory, `closure-${(backend ?? coreName).replace(/[@/]/g, '_')}`);
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'closure-check', private: true }, null, 2)}\n`,
  );
  const install = run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
      ...new Set(needed.map((name) => tarballs.get(name))),
    ],
    project,
  );
  if (!install.ok)
    return { ok: false, detail: `npm install failed:\n${describeFailure(install.output)}`, notes };
  const { installedCount, problems } = findClosureProblems(project, forbidden);
  notes.push(`${installedCount} packages installed, ${problems.length} problem(s)`);
  return problems.length === 0
    ? { ok: true, notes }
    : { ok: false, detail: problems.join('\n'), notes };
}

function printTable(rows) {
  const header = ['package', 'publint', 'attw', 'closure'];
  const cells = rows.map((row) => [row.name, row.publint, row.attw, row.closure]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((cell) => cell[column].length)),
  );
  const line = (values) => values.map((value, column) => value.padEnd(widths[column])).join('  ');
  console.log(`\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  for (const cell of cells) console.log(line(cell));
}

function label(result) {
  if (result === undefined) return 'n/a';
  return result.ok ? 'ok' : 'FAIL';
}

function main() {
  const packages = publishedPackages();
  if (packages.length === 0) {
    console.error('no published packages found under packages/*');
    return 1;
  }
  const byName = new Map(packages.map((pkg) => [pkg.manifest.name, pkg]));
  const wharfDependenciesOf = (name) => {
    const manifest = byName.get(name)?.manifest ?? {};
    const names = Object.keys({
      ...manifest.dependencies,
      ...manifest.peerDependencies,
      ...manifest.optionalDependencies,
    });
    return names.filter(
      (dependency) => dependency.startsWith('@wharf/') && dependency !== coreName,
    );
  };

  const results = new Map();
  for (const pkg of packages) {
    const name = pkg.manifest.name;
    const where = relative(repoRoot, pkg.directory);
    if (!existsSync(join(pkg.directory, 'dist'))) {
      const notBuilt = { ok: false, detail: `${where}/dist is missing: run \`pnpm build\` first` };
      results.set(name, { publint: notBuilt, attw: notBuilt });
      continue;
    }
    console.log(`publint ${name}`);
    const publint = checkPublint(pkg);
    console.log(`attw    ${name}`);
    const attw = checkAttw(pkg);
    results.set(name, { publint, attw });
  }

  const closureTargets = [
    ...(byName.has(coreName) ? [{ row: coreName, backend: undefined }] : []),
    ...packages
      .map((pkg) => pkg.manifest.name)
      .filter((name) => name !== coreName)
      .map((name) => ({ row: name, backend: name })),
  ];
  const workDirectory = mkdtempSync(join(tmpdir(), 'wharf-package-checks-'));
  try {
    const tarballDirectory = join(workDirectory, 'tarballs');
    mkdirSync(tarballDirectory);
    let tarballs;
    try {
      tarballs = packAll(packages, tarballDirectory);
    } catch (error) {
      for (const { row } of closureTargets) {
        results.get(row).closure = { ok: false, detail: error.message };
      }
    }
    for (const { row, backend } of tarballs === undefined ? [] : closureTargets) {
      console.log(
        `closure ${backend === undefined ? `${coreName} alone` : `${coreName} + ${backend}`}`,
      );
      const closure = checkClosure(backend, { tarballs, wharfDependenciesOf, workDirectory });
      for (const note of closure.notes ?? []) console.log(`        ${note}`);
      results.get(row).closure = closure;
    }
  } finally {
    rmSync(workDirectory, { recursive: true, force: true });
  }

  const rows = packages.map((pkg) => {
    const result = results.get(pkg.manifest.name);
    return {
      name: pkg.manifest.name,
      publint: label(result.publint),
      attw: label(result.attw),
      closure: label(result.closure),
    };
  });
  printTable(rows);

  const failures = [];
  for (const [name, result] of results) {
    for (const check of ['publint', 'attw', 'closure']) {
      if (result[check] && !result[check].ok)
        failures.push(`${name}: ${check} failed\n${result[check].detail}`);
    }
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} check(s) failed:\n\n${failures.join('\n\n')}`);
    return 1;
  }
  console.log(`\nall ${packages.length} published package(s) passed`);
  return 0;
}

process.exitCode = main();
