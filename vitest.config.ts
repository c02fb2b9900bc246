import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One file at a time. Most of the suite's time is spent waiting on real processes (nodes, agents,
    // nginx, network namespaces), so this costs ~5% of wall time (195 s against 186 s), and those
    // tests no longer compete for the 2 cores or for free ports: two of them (multihost links, the
    // leader-kill incident test) timed out in CI runs while other files ran beside them.
    fileParallelism: false,
  },
});
