import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the built package (as users and child processes load it): the encoder's
// worker threads need the compiled worker file next to it.
export default defineConfig({
  resolve: {
    alias: {
      '@wharf/store-parquet': fileURLToPath(new URL('./dist/index.js', import.meta.url)),
    },
  },
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000 },
});
