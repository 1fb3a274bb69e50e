import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createBucket, rawClient, s3Server } from './helpers.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

async function section(title: string): Promise<string> {
  const text = await readFile(readmePath, 'utf8');
  const start = text.indexOf(`## ${title}\n`);
  expect(start, `README section '${title}'`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

describe('README', () => {
  it('runs the example against radosgw and prints what it says', async () => {
    const example = /```js\n([\s\S]*?)```/.exec(await section('Example'))?.[1];
    expect(example).toBeDefined();
    const expected = [...example!.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map(
      (match) => match[1],
    );
    expect(expected.length).toBeGreaterThan(0);
    const server = s3Server();
    const client = rawClient(server);
    const { bucket, remove } = await createBucket(client, 'readme');
    // Inside the package, so that `@wharf/store-s3` resolves to this package's build.
    const file = fileURLToPath(
      new URL(`./readme-example-${randomBytes(4).toString('hex')}.mjs`, import.meta.url),
    );
    await writeFile(file, example!);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          S3_BUCKET: bucket,
          S3_ENDPOINT: server.url,
          AWS_REGION: server.region,
          AWS_ACCESS_KEY_ID: server.accessKeyId,
          AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      });
      expect(stdout.trim().split('\n')).toEqual(expected);
    } finally {
      await rm(file, { force: true });
      await remove();
      client.destroy();
    }
  });

  it('documents every option of the store', async () => {
    const options = await section('Options');
    for (const name of [
      'bucket',
      'prefix',
      'table',
      'region',
      'credentials',
      'endpoint',
      'forcePathStyle',
      'client',
      'maxAttempts',
      'connectTimeoutMs',
      'socketTimeoutMs',
      'partSize',
      'queueSize',
      'listPageSize',
      'layout',
      'compression',
      'rowGroupRows',
      'targetFileBytes',
      'runType',
      'key',
      'encoderThreads',
      'dictionaryEncoding',
      'keepCommits',
      'staleRunAfterMs',
    ]) {
      expect(options, name).toContain(`| \`${name}\``);
    }
  });
});
