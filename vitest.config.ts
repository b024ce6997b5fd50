import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'sdk/**/*.test.ts', 'web/src/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/support/setup.ts'],
    // Integration tests start real servers and databases; keep files in parallel but give them room.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
