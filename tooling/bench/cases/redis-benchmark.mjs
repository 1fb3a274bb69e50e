/**
 * `redis-benchmark` writing the same number of 8-field hashes: `HSET bench:<random key> …`
 * with the reference shape's field names and values of its typical lengths, pipelined 100
 * deep over its default 50 connections. `-r <rows>` spreads the keys over a key space as
 * large as the load (random keys, so some repeat: the count of commands is the row count).
 * Reports the server's CPU seconds in the timing too.
 *
 *   node cases/redis-benchmark.mjs --rows 1000000 --redis-url redis://…
 */
import { caseArguments, printResult, required, timeCommand } from '../case-runtime.mjs';
import { flushRedis, redisKeyCount, redisServerCpuSeconds } from '../redis-commands.mjs';

/** One row of the reference shape as hash fields (`ref_id` is absent for a null). */
const FIELDS = [
  ['id', '4821937'],
  ['quantity', '-1283749211'],
  ['price', '48213.57'],
  ['code', 'aZ3kq_Lm9-Xp'],
  ['note', 'zYbSmUiNF2vzhBCnk-czh7_6gQrHQ8WWhd1Q9xDDGWFWZ-Zzyiw3aMyB_lCQ0'],
  ['active', 'true'],
  ['created_at', '1704067200951'],
  ['ref_id', '2090697667548236'],
];

const args = caseArguments();
const url = new URL(required(args, 'redis-url'));
const rows = Number(required(args, 'rows'));
flushRedis(url.href);
let result;
try {
  const cpuBefore = redisServerCpuSeconds(url.href);
  const timed = await timeCommand(args['redis-benchmark'] ?? 'redis-benchmark', [
    '-h',
    url.hostname,
    '-p',
    url.port,
    '-n',
    String(rows),
    '-r',
    String(rows),
    '-P',
    '100',
    '-q',
    'HSET',
    'bench:__rand_int__',
    ...FIELDS.flat(),
  ]);
  result = {
    rows,
    seconds: timed.seconds,
    window: timed.window,
    maxRssBytes: timed.maxRssBytes,
    serverCpuSeconds: redisServerCpuSeconds(url.href) - cpuBefore,
    keys: redisKeyCount(url.href),
  };
} finally {
  flushRedis(url.href);
}
printResult(result);
