import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../src/index.js';
import { isRunning, postmasterPid, psql } from './helpers.js';

describe('startPostgres', () => {
  let postgres: PostgresServer;

  beforeAll(async () => {
    postgres = await startPostgres({ allowExisting: false, database: 'wharf_test' });
  });
  afterAll(() => postgres?.stop());

  it('serves real queries on a loopback port, in the requested database', async () => {
    expect(postgres.url).toBe(`postgres://postgres@127.0.0.1:${postgres.port}/wharf_test`);
    expect(postgres.external).toBe(false);
    expect(await psql(postgres.url, 'select 1')).toBe('1');
    expect(await psql(postgres.url, 'select current_database()')).toBe('wharf_test');
    expect(await psql(postgres.url, 'show fsync')).toBe('off');
  });

  it('restarts on the same port with the data intact, after a clean or a crash shutdown', async () => {
    await psql(postgres.url, 'create table kept (n int); insert into kept values (1), (2)');
    const firstPid = postmasterPid(postgres.dataDirectory!);

    await postgres.restart();
    expect(isRunning(firstPid)).toBe(false);
    expect(await psql(postgres.url, 'show port')).toBe(String(postgres.port));
    expect(await psql(postgres.url, 'select sum(n) from kept')).toBe('3');

    const secondPid = postmasterPid(postgres.dataDirectory!);
    expect(secondPid).not.toBe(firstPid);
    await postgres.restart({ mode: 'immediate' });
    expect(isRunning(secondPid)).toBe(false);
    expect(await psql(postgres.url, 'select sum(n) from kept')).toBe('3');
  });

  it('stops without leaving a process or a directory, and stop() is idempotent', async () => {
    const pid = postmasterPid(postgres.dataDirectory!);
    expect(pid).toBe(postgres.pid);
    expect(isRunning(pid)).toBe(true);

    await postgres.stop();
    expect(isRunning(pid)).toBe(false);
    expect(existsSync(postgres.directory!)).toBe(false);
    expect(postgres.pid).toBeUndefined();
    await expect(postgres.stop()).resolves.toBeUndefined();
    await expect(postgres.restart()).rejects.toThrow(/was stopped/);
  });
});
