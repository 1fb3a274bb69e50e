import { createGlobalSetup } from '@wharf/test-servers/vitest';

export default createGlobalSetup({ redis: true, redisCluster: true });
