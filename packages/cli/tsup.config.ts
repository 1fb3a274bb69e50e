import { wharfTsup } from '@wharf/tsconfig/tsup';

export default [
  wharfTsup({ entry: ['src/index.ts'] }),
  wharfTsup({
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  }),
];
