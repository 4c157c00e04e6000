// The gate's own test: the suite passes the float32-rounded reference (the control), every mutant is
// caught by each property it lists, and every property catches at least one mutant, so no property
// is one a broken kernel would pass. `npm run mutants` prints the whole mutant x property matrix.
import { describe, expect, it } from 'vitest';
import { ALL_PROPERTIES } from '../all.ts';
import { createMutantBackend, MUTANTS } from '../mutants.ts';
import { loadRegressions } from '../regressions.ts';
import { DEFAULT_SEED, runPropertySuite } from '../suite.ts';

// The same seed and stored regression cases as the real suite.
const options = { seed: DEFAULT_SEED, numRuns: 20, regressionCases: (id: string) => loadRegressions(id).map((r) => r.case) };

describe('mutation check', () => {
  it('the unbroken float32 reference passes every property (the control)', async () => {
    const failed = (await runPropertySuite(createMutantBackend('none'), options)).filter((r) => !r.passed);
    expect(failed.map((r) => `${r.id}: ${r.error}`)).toEqual([]);
  });

  it('every property and law has a mutant it must catch', () => {
    const catching = new Set(MUTANTS.flatMap((m) => m.caughtBy));
    expect(ALL_PROPERTIES.map((p) => p.id).filter((id) => !catching.has(id))).toEqual([]);
    const known = new Set(ALL_PROPERTIES.map((p) => p.id));
    expect(MUTANTS.flatMap((m) => m.caughtBy).filter((id) => !known.has(id))).toEqual([]);
  });

  for (const mutant of MUTANTS) {
    it(`catches mutant ${mutant.name}: ${mutant.bug}`, async () => {
      const results = await runPropertySuite(createMutantBackend(mutant.name), { ...options, only: mutant.caughtBy });
      const escaped = results.filter((r) => r.passed).map((r) => r.id);
      expect(escaped, `mutant ${mutant.name} passed properties that must catch it`).toEqual([]);
      // Caught by the property's own check (a PropertyViolation naming what is wrong), not by a crash.
      for (const r of results) {
        expect(r.counterexample, `${r.id} failed without a counterexample: ${r.error}`).toBeDefined();
        expect(r.violation, `${r.id} caught ${mutant.name} only by an exception: ${r.error}`).toBe(true);
      }
    });
  }
});
