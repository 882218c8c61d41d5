import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['protocol/**/*.test.ts', 'gateway/**/*.test.ts', 'beacon-sim/**/*.test.ts', 'hardware/**/*.test.ts', 'scripts/**/*.test.ts'],
    // CLI tests spawn the built binary; a cold start on a 2-core machine can take seconds.
    testTimeout: 30_000,
  },
});
