/** The few Redis commands the Redis cases run untimed, through `redis-cli`. */
import { runCommand } from './case-runtime.mjs';

/** Empties the server (before and after a run, so each run starts alike and memory is freed). */
export function flushRedis(url) {
  runCommand('redis-cli', ['-u', url, 'FLUSHALL']);
}

/** CPU seconds (user + system) the server has used since it started (`INFO cpu`). */
export function redisServerCpuSeconds(url) {
  const info = runCommand('redis-cli', ['-u', url, 'INFO', 'cpu']);
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Keys in the current database (`DBSIZE`). */
export function redisKeyCount(url) {
  return Number(runCommand('redis-cli', ['-u', url, 'DBSIZE']).trim());
}
