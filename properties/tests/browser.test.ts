// The property suite inside a real browser: headless Chromium (playwright-core, Debian's chromium)
// runs every property on gpu.js's webgl2, webgl and webgpu backends (GLSL ES 3.00, GLSL ES 1.00 and
// WGSL compute shaders), and the kernel class that ran is checked. REQUIRE_BACKENDS containing
// 'browser' (CI) turns a missing browser or adapter into a failure instead of a skip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumUnavailableReason, openPage, type BrowserSession } from '../browser/chromium.ts';
import type { BrowserMode, BrowserSuiteReport } from '../browser/harness.ts';
import { startHarnessServer, type HarnessServer } from '../browser/server.ts';
import { REQUIRED_BACKENDS } from '../backends.ts';
import { ALL_PROPERTIES } from '../all.ts';
import { loadRegressions } from '../regressions.ts';
import { describeFailure } from '../suite.ts';
import { ONLY_PROPERTIES, SEED } from '../settings.ts';

const MODES: readonly BrowserMode[] = ['webgl2', 'webgl', 'webgpu'];
const required = REQUIRED_BACKENDS.includes('browser');
const unavailable = chromiumUnavailableReason();
const numRuns = Number(process.env.FC_BROWSER_NUM_RUNS ?? 10); // SwiftShader compiles every new shape in software

describe.runIf(unavailable === null || required)('headless Chromium', () => {
  it('has a browser', () => {
    expect(unavailable, unavailable ?? '').toBeNull();
  });
  if (unavailable !== null) return;
  let server: HarnessServer;
  let session: BrowserSession;
  const log: string[] = [];
  beforeAll(async () => {
    server = await startHarnessServer();
    session = await openPage(server.url, (line) => {
      if (!line.includes('GPU stall due to ReadPixels')) log.push(line);
    });
  }, 120_000);
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('reports a failing property back from the page (a broken backend run there is caught)', async () => {
    const results = (await session.page.evaluate(
      (options) => (globalThis as unknown as { harness: { mutant(n: string, o: unknown): Promise<unknown> } }).harness.mutant('flipped-kernel', options),
      { seed: SEED, numRuns: 10 },
    )) as { id: string; passed: boolean; counterexample?: unknown }[];
    const caught = results.filter((r) => !r.passed);
    expect(caught.map((r) => r.id)).toContain('conv2d-forward-equals-reference');
    expect(caught[0].counterexample).toBeDefined();
  });

  const regressions = Object.fromEntries(ALL_PROPERTIES.map((p) => [p.id, loadRegressions(p.id).map((r) => r.case)]));
  for (const mode of MODES) {
    it(`${mode}: every property passes (seed ${SEED}, ${numRuns} cases each plus the stored regressions), on ${mode}'s kernel class`, async () => {
      const report = (await session.page.evaluate(
        ({ mode, options }) => (globalThis as unknown as { harness: { conformance(m: string, o: unknown): Promise<unknown> } }).harness.conformance(mode, options),
        { mode, options: { seed: SEED, numRuns, only: ONLY_PROPERTIES, regressions } },
      )) as BrowserSuiteReport;
      console.log(`${mode}: ${report.results.filter((r) => r.passed).length}/${report.results.length} properties; ran ${report.executedClasses.join(', ')}; limits ${JSON.stringify(report.limits)}`);
      const failed = report.results.filter((r) => !r.passed);
      expect(failed.map(describeFailure).join('\n\n') + log.filter((l) => l.includes('error')).join('\n')).toBe('');
      expect(report.executedClasses).toEqual([report.expectedClass]);
      expect(report.results.length).toBeGreaterThan(20);
    }, 600_000);
  }

  // gpu.js residency in a real browser: every input uploaded, every result left on the device
  // (a WebGL2 texture; a WebGPU buffer, read back asynchronously).
  for (const mode of ['webgl2', 'webgpu'] as const) {
    it(`${mode}, resident: every property passes (seed ${SEED}, ${numRuns} cases each plus the stored regressions)`, async () => {
      const report = (await session.page.evaluate(
        ({ mode, options }) => (globalThis as unknown as { harness: { conformance(m: string, o: unknown): Promise<unknown> } }).harness.conformance(mode, options),
        { mode, options: { seed: SEED, numRuns, only: ONLY_PROPERTIES, regressions, resident: true } },
      )) as BrowserSuiteReport;
      const failed = report.results.filter((r) => !r.passed);
      expect(failed.map(describeFailure).join('\n\n') + log.filter((l) => l.includes('error')).join('\n')).toBe('');
      expect(report.executedClasses).toEqual([report.expectedClass]);
    }, 600_000);
  }
});
