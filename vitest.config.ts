import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      // Unit tests are pure logic with fresh fakes per test: sharing one module graph keeps the suite at a few seconds.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          // Only suites that need the real engine pay for preparing it.
          globalSetup: ['test/support/global-setup.ts'],
          // Integration suites share one Docker Engine on a 2-core machine: run files one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
