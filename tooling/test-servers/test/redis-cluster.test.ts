import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { startRedisCluster } from '../src/index.js';
import { isRunning, redis } from './helpers.js';

it('starts three masters that report cluster_state:ok, and stops them all', async () => {
  const cluster = await startRedisCluster({ allowExisting: false });
  try {
    expect(cluster.nodes).toHaveLength(3);
    expect(new Set(cluster.nodes.map((node) => node.port)).size).toBe(3);
    expect(cluster.urls).toEqual(cluster.nodes.map((node) => `redis://127.0.0.1:${node.port}`));
    for (const node of cluster.nodes) {
      const info = String(await redis(node.port, 'CLUSTER', 'INFO'));
      expect(info).toMatch(/cluster_state:ok/);
      expect(info).toMatch(/cluster_slots_assigned:16384/);
      expect(info).toMatch(/cluster_known_nodes:3/);
    }
  } finally {
    const pids = cluster.pids;
    expect(pids).toHaveLength(3);
    await cluster.stop();
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    for (const directory of cluster.directories) expect(existsSync(directory)).toBe(false);
    expect(cluster.pids).toEqual([]);
  }
});
