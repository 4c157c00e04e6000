// The gate's own test: the suite passes the float32-rounded reference and catches every
// deliberately broken backend. Which properties caught each mutant is printed.
import { describe, expect, it } from 'vitest';
import { createMutantBackend, MUTANT_NAMES, type MutantName } from '../mutants';
import { loadRegressions, storeRegression } from '../regressions';
import { DEFAULT_SEED, runPropertySuite } from '../suite';

// The same seed and stored regression cases as the real suite.
const options = { seed: DEFAULT_SEED, numRuns: 20, regressionCases: (id: string) => loadRegressions(id).map((r) => r.case) };

/** The property that compares the broken operation with the reference: it must catch the mutant. */
const CONFORMANCE_OF: Record<MutantName, string> = {
  'off-by-one-padding': 'conv2d-forward-equals-reference',
  'swapped-stride-axes': 'conv2d-forward-equals-reference',
  'flipped-kernel': 'conv2d-forward-equals-reference',
  'truncated-tap-loop': 'conv2d-forward-equals-reference',
  'dw-first-image-only': 'conv2d-backward-equals-reference',
  'pooling-mixes-channels': 'maxpool2d-equals-reference',
  'wrong-avg-divisor': 'avgpool2d-equals-reference',
};

describe('mutation check', () => {
  it('the unbroken float32 reference passes every property (the control)', async () => {
    const failed = (await runPropertySuite(createMutantBackend('none'), options)).filter((r) => !r.passed);
    expect(failed.map((r) => `${r.id}: ${r.error}`)).toEqual([]);
  });

  for (const name of MUTANT_NAMES) {
    it(`catches mutant ${name}`, async () => {
      const results = await runPropertySuite(createMutantBackend(name), options);
      const caught = results.filter((r) => !r.passed);
      console.log(`mutant ${name}: caught by ${caught.map((r) => r.id).join(', ') || 'nothing'}`);
      expect(caught.map((r) => r.id), `mutant ${name} escaped its conformance property`).toContain(CONFORMANCE_OF[name]);
      if (process.env.RECORD_MUTANT_CASES === '1') {
        for (const r of caught) storeRegression(r.id, { name: `mutant ${name}`, found: new Date().toISOString().slice(0, 10), case: r.counterexample });
      }
    });
  }
});
