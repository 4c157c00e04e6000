import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // Kernel compilation and the property suite are CPU-heavy: no per-test timeouts that a busy
    // 2-core machine would trip, but a generous ceiling so a hang still fails.
    testTimeout: 120_000,
  },
});
