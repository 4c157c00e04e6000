import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that run longest, longest first (seconds measured alone on the 2-core CI machine). A
// fresh clone has no timing cache, and vitest then starts the largest files first.
const LONGEST_FIRST = [
  'properties/tests/browser.test.ts', // ~190 s
  'properties/tests/suite.test.ts', // ~50 s alone, ~180 s beside the browser
  'bench/tests/bench.test.ts', // ~70 s
  'bench/tests/deviceCheck.test.ts', // ~45 s
  'fixtures/tests/lenet.test.ts', // ~35 s
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((name) => f.moduleId.endsWith(name));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // Kernel compilation and the property suite are CPU-heavy: no per-test timeouts that a busy
    // 2-core machine would trip, but a generous ceiling so a hang still fails.
    testTimeout: 120_000,
    // vitest's default on 2 cores is one worker, so every file ran in turn (`npm test` took 10.6
    // minutes in CI), the browser suite's ~190 s included, though its node side only waits on
    // Chromium (one core of SwiftShader). Two workers, the browser suite first: it runs beside the rest.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirstSequencer },
    globalSetup: ['./vitest.globalSetup.ts'],
  },
});
