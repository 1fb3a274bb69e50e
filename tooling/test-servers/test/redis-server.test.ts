import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../src/index.js';
import { isRunning, redis } from './helpers.js';

describe('startRedis', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedis({ allowExisting: false });
  });
  afterAll(() => server?.stop());

  it('answers PING on a loopback port', async () => {
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await redis(server.port, 'PING')).toBe('PONG');
    expect(await redis(server.port, 'SET', 'greeting', 'hello')).toBe('OK');
    expect(await redis(server.port, 'GET', 'greeting')).toBe('hello');
  });

  it('restarts on the same port, empty (no persistence)', async () => {
    const firstPid = server.pid!;
    await server.restart();
    expect(isRunning(firstPid)).toBe(false);
    expect(server.pid).not.toBe(firstPid);
    expect(await redis(server.port, 'PING')).toBe('PONG');
    expect(await redis(server.port, 'GET', 'greeting')).toBeNull();
  });

  it('stops without leaving a process or a directory, and stop() is idempotent', async () => {
    const pid = server.pid!;
    await server.stop();
    expect(isRunning(pid)).toBe(false);
    expect(existsSync(server.directory!)).toBe(false);
    await expect(server.stop()).resolves.toBeUndefined();
    await expect(redis(server.port, 'PING')).rejects.toThrow(/ECONNREFUSED/);
  });
});
