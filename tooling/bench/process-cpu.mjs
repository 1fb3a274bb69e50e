/**
 * CPU seconds (user + system, every thread) that other processes have used, from
 * /proc/<pid>/stat: the benchmark reads its servers' CPU time around a timed run, to show how
 * much of the run the server was busy. Linux only; elsewhere it is unknown.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond;

function clockTicks() {
  if (ticksPerSecond === undefined) {
    const answer = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    ticksPerSecond = Number(answer.stdout?.trim()) || 100;
  }
  return ticksPerSecond;
}

/** The CPU seconds the processes `pids` have used so far, or NaN when one cannot be read. */
export function processCpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return Number.NaN;
    }
    // The fields after the command name, which is in brackets and may hold spaces: utime and
    // stime are the 14th and 15th fields of the line, the 12th and 13th after the name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / clockTicks();
}

/** The pids of `--server-pids 1,2,3`. */
export function serverPids(args) {
  return args['server-pids'] ? String(args['server-pids']).split(',').map(Number) : [];
}
