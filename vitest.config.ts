import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Child processes, not worker threads: the machine tests allocate large memories
    // and some suites spawn anvil; a crash must not take the runner down with it.
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
  },
});
