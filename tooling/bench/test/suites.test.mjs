import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runnerArguments, runnersOf, SUITES, scriptOf } from '../suites.mjs';

const benchDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What startServers hands the cases, for every kind of server. */
const servers = {
  args: {
    postgres: ['--postgres-url', 'postgres://server'],
    redis: ['--redis-url', 'redis://server'],
    s3: ['--s3-url', 'http://s3', '--server-pids', '1,2,3'],
    gcs: ['--gcs-url', 'http://gcs', '--server-pids', '4'],
    adls: ['--adls-url', 'http://adls', '--server-pids', '5'],
  },
};
const datasets = {
  10: {
    arrow: { path: 'data.arrows' },
    csv: { iso: { path: 'data.iso.csv' }, sqlite: { path: 'data.sqlite.csv' } },
  },
};

describe('the suites', () => {
  it('have distinct names and runner ids', () => {
    const names = SUITES.map((suite) => suite.name);
    expect(new Set(names).size).toBe(names.length);
    const ids = SUITES.flatMap((suite) => runnersOf(suite).map((runner) => runner.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each([
    ['parquet', undefined, []],
    ['sqlite', undefined, []],
    ['postgres', 'postgres', []],
    ['redis', 'redis', []],
    ['s3', 's3', ['--cloud', 's3']],
    ['gcs', 'gcs', ['--cloud', 'gcs']],
    ['adls', 'adls', ['--cloud', 'adls']],
  ])(
    '%s: every runner has its script and gets its inputs and server',
    (name, server, subjectArgs) => {
      const suite = SUITES.find((candidate) => candidate.name === name);
      expect(suite.server).toBe(server);
      for (const runner of runnersOf(suite)) {
        expect(existsSync(scriptOf(runner, benchDirectory)), runner.script).toBe(true);
        const args = runnerArguments(suite, runner, { rows: 10, datasets, servers, work: '/w' });
        expect(args.slice(0, 4)).toEqual(['--rows', '10', '--work', '/w']);
        if (runner.arrow) expect(args).toContain('data.arrows');
        if (server) expect(args.join(' ')).toContain(servers.args[server].join(' '));
        if (runner === suite.subject)
          expect(args.slice(args.length - subjectArgs.length)).toEqual(subjectArgs);
      }
    },
  );

  it('aims the cloud stores at 0.9× the raw upload of the same Parquet bytes', () => {
    for (const name of ['s3', 'gcs', 'adls']) {
      const suite = SUITES.find((candidate) => candidate.name === name);
      expect(suite.runType).toBe('full_drop');
      expect(suite.target.ratio).toBe(0.9);
      expect(runnersOf(suite).map((runner) => [runner.script, ...runner.args.slice(2)])).toEqual([
        ['cloud-store.mjs'],
        ['cloud-upload.mjs'],
        ['cloud-upload.mjs', '--publish', 'move'],
      ]);
    }
  });
});
