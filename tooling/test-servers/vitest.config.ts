import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // Starting a real server takes a few seconds on a busy machine; a hang still fails.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
