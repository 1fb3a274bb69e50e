import { expect, it } from 'vitest';
import { startPostgres, startRadosgw, startRedis, startRedisCluster } from '../src/index.js';

const bogusDir = '/nonexistent/wharf-bin';

it('names the Debian package when the PostgreSQL binaries are missing', async () => {
  await expect(startPostgres({ binDir: bogusDir, allowExisting: false })).rejects.toThrow(
    `initdb was not found in ${bogusDir}. Install it with: apt-get install -y postgresql`,
  );
});

it('names the Debian package when redis-server or redis-cli is missing', async () => {
  await expect(startRedis({ binDir: bogusDir, allowExisting: false })).rejects.toThrow(
    'apt-get install -y redis-server',
  );
  await expect(startRedisCluster({ binDir: bogusDir, allowExisting: false })).rejects.toThrow(
    'apt-get install -y redis-server',
  );
});

it('names the Debian packages when the Ceph binaries are missing', async () => {
  await expect(startRadosgw({ binDir: bogusDir, allowExisting: false })).rejects.toThrow(
    `radosgw was not found in ${bogusDir}. Install it with: apt-get install -y radosgw ceph-mon ceph-osd`,
  );
});
