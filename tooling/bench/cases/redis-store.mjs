/**
 * store-redis, `incremental`: the dataset's Arrow file appended through `runFlow` to a key
 * space keyed by `id` (the store's defaults: pipelined staging scripts, then the publish). The
 * server is flushed and the key space gets an untimed one-row load first, so the timed run
 * appends to a production that exists. Also reports the server's CPU seconds in the timing.
 *
 *   node cases/redis-store.mjs --arrow data.arrows --redis-url redis://…
 */
import { runFlow } from '@wharf/store-core';
import {
  caseArguments,
  printResult,
  required,
  seedBatches,
  timeStoreLoad,
} from '../case-runtime.mjs';
import { flushRedis, redisServerCpuSeconds } from '../redis-commands.mjs';
import { importWorkspacePackage } from '../workspace-packages.mjs';

const { RedisStore } = await importWorkspacePackage('store-redis');
const args = caseArguments();
const url = required(args, 'redis-url');
flushRedis(url);

const store = new RedisStore({ url, table: 'bench', key: 'id' });
let result;
try {
  await runFlow(seedBatches, store, { runType: 'incremental' });
  const cpuBefore = redisServerCpuSeconds(url);
  result = await timeStoreLoad(store, required(args, 'arrow'), 'incremental');
  result.serverCpuSeconds = redisServerCpuSeconds(url) - cpuBefore;
} finally {
  await store.close();
  flushRedis(url);
}
printResult(result);
