import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Multi-process and real-nginx tests share ports and namespaces; they serialize themselves
    // through test/support/lock.ts, so files may still run side by side.
    fileParallelism: true,
  },
});
