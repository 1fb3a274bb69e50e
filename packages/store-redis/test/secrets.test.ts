import { inspect } from 'node:util';
import { ConnectionError, StoreError } from '@wharf/store-core';
import { type RedisServer, startRedis } from '@wharf/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisStore } from '../src/index.js';
import { rows, uniquePrefix } from './helpers.js';

const PASSWORD = 'pa55-w0rd-never-shown';

/** Everything printed to the console or stderr while `action` runs, and what it threw. */
async function captured(
  action: () => Promise<unknown>,
): Promise<{ output: string; error: unknown }> {
  const printed: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      printed.push(args.map((arg) => inspect(arg, { depth: 6 })).join(' '));
    }),
  );
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  let error: unknown;
  try {
    await action();
  } catch (caught) {
    error = caught;
  } finally {
    process.stderr.write = write;
    for (const spy of spies) spy.mockRestore();
  }
  return { output: printed.join('\n'), error };
}

function expectNoSecret(error: unknown, output: string): void {
  expect(StoreError.isInstance(error)).toBe(true);
  const seen = [output, String(error), inspect(error, { depth: 8, showHidden: true })];
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    seen.push(
      String(cause),
      (cause as Error).stack ?? '',
      JSON.stringify((cause as { details?: unknown }).details ?? {}),
    );
  }
  for (const text of seen) expect(text).not.toContain(PASSWORD);
}

describe('credentials', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis({ allowExisting: false });
    const admin = new Redis(server.url);
    await admin.config('SET', 'requirepass', PASSWORD);
    admin.disconnect();
  });
  afterAll(() => server.stop());

  const withPassword = (password: string) =>
    server.url.replace('redis://', `redis://:${encodeURIComponent(password)}@`);

  it('an unreachable server: a retryable ConnectionError that never shows the password', async () => {
    const store = new RedisStore({
      url: `redis://:${PASSWORD}@127.0.0.1:1`,
      table: 'items',
      prefix: uniquePrefix(),
    });
    const { output, error } = await captured(() => store.connect());
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as ConnectionError).retryable).toBe(true);
    expect((error as Error).cause).toBeDefined();
    expectNoSecret(error, output);
    await store.close();
  });

  it('a wrong password: a ConnectionError that is not retried and shows neither password', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const store = new RedisStore({
      url: withPassword(wrong),
      table: 'items',
      prefix: uniquePrefix(),
    });
    const { output, error } = await captured(() => store.connect());
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as ConnectionError).retryable).toBe(false);
    expectNoSecret(error, output);
    expect(String(error)).not.toContain(wrong);
    await store.close();
  });

  it('the right password works; a dropped connection afterwards still hides it', async () => {
    await using store = new RedisStore({
      url: withPassword(PASSWORD),
      table: 'items',
      prefix: uniquePrefix(),
      key: 'id',
    });
    await store.connect();
    await store.configureForRun('incremental');
    await store.write(rows(1, 3));
    expect((await store.finish()).rows).toBe(3);
    const description = await store.describe();
    expect(inspect(description, { depth: 8 })).not.toContain(PASSWORD);
    expect(store.name).not.toContain(PASSWORD);
    const { output, error } = await captured(async () => {
      await server.stop();
      await store.get(1);
    });
    expect(ConnectionError.isInstance(error)).toBe(true);
    expectNoSecret(error, output);
  });
});
