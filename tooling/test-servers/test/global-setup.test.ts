import { expect, inject, it, vi } from 'vitest';
import type { TestProject } from 'vitest/node';
import { createGlobalSetup } from '../src/global-setup.js';
import { redis } from './helpers.js';

it('provides the URL of the Redis that the global setup started', async () => {
  const url = new URL(inject('wharf.redisUrl'));
  expect(url.hostname).toBe('127.0.0.1');
  expect(await redis(Number(url.port), 'PING')).toBe('PONG');
});

it('stops the servers it already started when another one fails to start', async () => {
  const provide = vi.fn();
  const setup = createGlobalSetup({
    redis: { allowExisting: false },
    postgres: { allowExisting: false, binDir: '/nonexistent/wharf-bin' },
  });
  await expect(setup({ provide } as unknown as TestProject)).rejects.toThrow(/postgresql/);

  expect(provide).toHaveBeenCalledWith('wharf.redisUrl', expect.stringMatching(/^redis:\/\//));
  const port = Number(new URL(provide.mock.calls[0]![1] as string).port);
  await expect(redis(port, 'PING')).rejects.toThrow(/ECONNREFUSED/);
});
