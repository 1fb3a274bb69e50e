import { expect, inject, it, vi } from 'vitest';
import type { TestProject } from 'vitest/node';
import { createGlobalSetup } from '../src/global-setup.js';
import { redis } from './helpers.js';

it('provides the URL of the Redis that the global setup started', async () => {
  const url = new URL(inject('wharf.redisUrl'));
  expect(url.hostname).toBe('127.0.0.1');
  expect(await redis(Number(url.port), 'PING')).toBe('PONG');
});

it('provides the S3 endpoint, region and keys', async () => {
  vi.stubEnv('WHARF_TEST_S3_URL', 'http://s3.internal:7480');
  vi.stubEnv('WHARF_TEST_S3_SECRET_ACCESS_KEY', 'env-secret');
  try {
    const provide = vi.fn();
    const setup = createGlobalSetup({ s3: { accessKeyId: 'option-key' } });
    const teardown = await setup({ provide } as unknown as TestProject);
    expect(Object.fromEntries(provide.mock.calls)).toEqual({
      'wharf.s3Url': 'http://s3.internal:7480',
      'wharf.s3Region': 'us-east-1',
      'wharf.s3AccessKeyId': 'option-key',
      'wharf.s3SecretAccessKey': 'env-secret',
    });
    await teardown();
  } finally {
    vi.unstubAllEnvs();
  }
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
