/**
 * The shared tsup base. Every published package builds the same way: ESM and CJS with
 * declarations for both, Node 20 target, one chunk per entry, no minification (readable
 * stack traces for users), source maps on.
 *
 * @example
 * // packages/store-x/tsup.config.ts
 * import { wharfTsup } from '@wharf/tsconfig/tsup';
 * export default wharfTsup({ entry: ['src/index.ts'] });
 */
import { defineConfig } from 'tsup';

/** @param {import('tsup').Options} options */
export function wharfTsup(options) {
  return defineConfig({
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...options,
  });
}
