import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { forbiddenDriversFor } from '../backend-drivers.mjs';
import { findClosureProblems } from '../closure-check.mjs';

const projects = [];

afterEach(() => {
  for (const project of projects.splice(0)) rmSync(project, { recursive: true, force: true });
});

/**
 * Writes a project whose node_modules holds `installed` (location → package.json fields),
 * as npm would have left it.
 */
function syntheticProject(dependencies, installed) {
  const project = mkdtempSync(join(tmpdir(), 'wharf-closure-test-'));
  projects.push(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'closure-check', dependencies }),
  );
  for (const [location, manifest] of Object.entries(installed)) {
    mkdirSync(join(project, location), { recursive: true });
    writeFileSync(
      join(project, location, 'package.json'),
      JSON.stringify({ version: '1.0.0', ...manifest }),
    );
  }
  return project;
}

const noWharfDependencies = () => [];

describe('the closure check', () => {
  it('flags a nested pg under store-core, naming where it sits and what pulled it in', () => {
    const project = syntheticProject(
      { '@wharf/store-core': '0.0.0' },
      {
        'node_modules/@wharf/store-core': {
          name: '@wharf/store-core',
          dependencies: { 'row-helper': '^1' },
        },
        'node_modules/row-helper': { name: 'row-helper', dependencies: { pg: '^8' } },
        'node_modules/row-helper/node_modules/pg': { name: 'pg', version: '8.16.0' },
        'node_modules/.bin/ignored': { name: 'not-a-package' },
      },
    );
    const { forbidden } = forbiddenDriversFor(undefined, noWharfDependencies);

    const { installedCount, problems } = findClosureProblems(project, forbidden);

    expect(installedCount).toBe(3);
    expect(problems).toEqual([
      'pg (a driver of @wharf/store-postgres) at node_modules/row-helper/node_modules/pg, ' +
        'pulled in via @wharf/store-core > row-helper > pg',
    ]);
  });

  it('matches whole scopes, and allows a backend its own driver', () => {
    const project = syntheticProject(
      { '@wharf/store-core': '0.0.0', '@wharf/store-postgres': '0.0.0' },
      {
        'node_modules/@wharf/store-core': { name: '@wharf/store-core' },
        'node_modules/@wharf/store-postgres': {
          name: '@wharf/store-postgres',
          dependencies: { pg: '^8', 'cloud-auth': '^1' },
        },
        'node_modules/pg': { name: 'pg' },
        'node_modules/cloud-auth': {
          name: 'cloud-auth',
          dependencies: { '@azure/identity': '^4' },
        },
        'node_modules/@azure/identity': { name: '@azure/identity' },
      },
    );
    const { forbidden } = forbiddenDriversFor('@wharf/store-postgres', noWharfDependencies);

    expect(findClosureProblems(project, forbidden).problems).toEqual([
      '@azure/identity (a driver of @wharf/store-adls) at node_modules/@azure/identity, ' +
        'pulled in via @wharf/store-postgres > cloud-auth > @azure/identity',
    ]);
  });

  it('passes a clean closure', () => {
    const project = syntheticProject(
      { '@wharf/store-core': '0.0.0', '@wharf/store-redis': '0.0.0' },
      {
        'node_modules/@wharf/store-core': { name: '@wharf/store-core' },
        'node_modules/@wharf/store-redis': {
          name: '@wharf/store-redis',
          dependencies: { ioredis: '^5' },
        },
        'node_modules/ioredis': { name: 'ioredis' },
      },
    );
    const { forbidden } = forbiddenDriversFor('@wharf/store-redis', noWharfDependencies);

    expect(findClosureProblems(project, forbidden)).toEqual({ installedCount: 3, problems: [] });
  });

  it('flags a second copy of a @wharf package fetched because a range did not match', () => {
    const project = syntheticProject(
      { '@wharf/store-core': '0.0.0', '@wharf/store-redis': '0.0.0' },
      {
        'node_modules/@wharf/store-core': { name: '@wharf/store-core' },
        'node_modules/@wharf/store-redis': {
          name: '@wharf/store-redis',
          dependencies: { '@wharf/store-core': '^1' },
        },
        'node_modules/@wharf/store-redis/node_modules/@wharf/store-core': {
          name: '@wharf/store-core',
        },
      },
    );
    const { forbidden } = forbiddenDriversFor('@wharf/store-redis', noWharfDependencies);

    expect(findClosureProblems(project, forbidden).problems).toEqual([
      expect.stringMatching(
        /^a second copy of @wharf\/store-core at node_modules\/@wharf\/store-redis\/node_modules\/@wharf\/store-core/,
      ),
    ]);
  });
});

describe('forbiddenDriversFor', () => {
  it('forbids every driver for store-core alone', () => {
    const { forbidden, allowedBackends } = forbiddenDriversFor(undefined, noWharfDependencies);
    expect(allowedBackends).toEqual([]);
    expect(forbidden.map(({ pattern }) => pattern)).toEqual([
      'parquet-wasm',
      'better-sqlite3',
      'pg',
      'pg-copy-streams',
      'ioredis',
      '@aws-sdk/*',
      '@smithy/*',
      '@google-cloud/*',
      '@azure/*',
    ]);
  });

  it('allows the drivers of backends a backend depends on, e.g. store-s3 on store-parquet', () => {
    const dependencies = {
      '@wharf/store-s3': ['@wharf/store-parquet'],
      '@wharf/store-parquet': [],
    };
    const { forbidden, allowedBackends } = forbiddenDriversFor(
      '@wharf/store-s3',
      (name) => dependencies[name] ?? [],
    );
    expect(allowedBackends).toEqual(['@wharf/store-s3', '@wharf/store-parquet']);
    const patterns = forbidden.map(({ pattern }) => pattern);
    expect(patterns).not.toContain('parquet-wasm');
    expect(patterns).not.toContain('@aws-sdk/*');
    expect(patterns).toContain('pg');
  });
});
