import { afterEach, expect, it, vi } from 'vitest';
import { startPostgres, startRadosgw, startRedis, startRedisCluster } from '../src/index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

it('uses WHARF_TEST_POSTGRES_URL instead of starting a server', async () => {
  vi.stubEnv('WHARF_TEST_POSTGRES_URL', 'postgres://alice@db.internal:6543/app');
  const postgres = await startPostgres();
  expect(postgres).toMatchObject({
    url: 'postgres://alice@db.internal:6543/app',
    host: 'db.internal',
    port: 6543,
    database: 'app',
    user: 'alice',
    external: true,
    directory: undefined,
  });
  await expect(postgres.stop()).resolves.toBeUndefined();
  await expect(postgres.restart()).rejects.toThrow(/restart\(\) needs a throwaway server/);
});

it('does not echo an invalid URL, which may hold a password', async () => {
  vi.stubEnv('WHARF_TEST_POSTGRES_URL', 'not a url:hunter2');
  await expect(startPostgres()).rejects.toThrow(/^WHARF_TEST_POSTGRES_URL is not a valid/);
  await expect(startPostgres()).rejects.not.toThrow(/hunter2/);
});

it('uses WHARF_TEST_REDIS_URL instead of starting a server', async () => {
  vi.stubEnv('WHARF_TEST_REDIS_URL', 'redis://cache.internal:7000');
  const server = await startRedis();
  expect(server).toMatchObject({
    url: 'redis://cache.internal:7000',
    host: 'cache.internal',
    port: 7000,
    external: true,
    pid: undefined,
  });
  await expect(server.stop()).resolves.toBeUndefined();
  await expect(server.restart()).rejects.toThrow(/restart\(\) needs a throwaway server/);
});

it('uses WHARF_TEST_REDIS_CLUSTER_NODES instead of starting a cluster', async () => {
  vi.stubEnv('WHARF_TEST_REDIS_CLUSTER_NODES', 'node-a:7001, node-b:7002,node-c:7003');
  const cluster = await startRedisCluster();
  expect(cluster.nodes).toEqual([
    { host: 'node-a', port: 7001 },
    { host: 'node-b', port: 7002 },
    { host: 'node-c', port: 7003 },
  ]);
  expect(cluster.urls).toEqual([
    'redis://node-a:7001',
    'redis://node-b:7002',
    'redis://node-c:7003',
  ]);
  expect(cluster.external).toBe(true);
  await expect(cluster.stop()).resolves.toBeUndefined();

  vi.stubEnv('WHARF_TEST_REDIS_CLUSTER_NODES', 'node-a');
  await expect(startRedisCluster()).rejects.toThrow(/comma-separated list of host:port/);
});

it('uses WHARF_TEST_S3_URL (and its key and region variables) instead of starting a server', async () => {
  vi.stubEnv('WHARF_TEST_S3_URL', 'http://s3.internal:7480/');
  const server = await startRadosgw({
    accessKeyId: 'option-key',
    secretAccessKey: 'option-secret',
  });
  expect(server).toMatchObject({
    url: 'http://s3.internal:7480',
    host: 's3.internal',
    port: 7480,
    region: 'us-east-1',
    accessKeyId: 'option-key',
    secretAccessKey: 'option-secret',
    external: true,
    directory: undefined,
    pids: [],
  });
  await expect(server.stop()).resolves.toBeUndefined();

  vi.stubEnv('WHARF_TEST_S3_URL', 'https://objects.example.com');
  vi.stubEnv('WHARF_TEST_S3_ACCESS_KEY_ID', 'env-key');
  vi.stubEnv('WHARF_TEST_S3_SECRET_ACCESS_KEY', 'env-secret');
  vi.stubEnv('WHARF_TEST_S3_REGION', 'eu-central-1');
  expect(await startRadosgw({ accessKeyId: 'option-key' })).toMatchObject({
    port: 443,
    region: 'eu-central-1',
    accessKeyId: 'env-key',
    secretAccessKey: 'env-secret',
  });

  vi.stubEnv('WHARF_TEST_S3_URL', 'not a url');
  await expect(startRadosgw()).rejects.toThrow(/^WHARF_TEST_S3_URL is not a valid/);
});
