import { describeConformance } from '@wharf/store-core/conformance';
import { inject } from 'vitest';
import { conformanceOptions } from './conformance-options.js';

await describeConformance(
  conformanceOptions({ kind: 'cluster', nodes: inject('wharf.redisClusterNodes') }),
);
