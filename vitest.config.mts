import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real daemons on fixed loopback ports per file; two workers fit 2 cores.
    maxWorkers: 2,
  },
});
