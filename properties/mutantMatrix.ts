/**
 * `npm run mutants`: every mutant against the whole suite (CI's seed, 20 cases per property), printed
 * as which properties catch each mutant and which mutants each property catches. The test
 * (properties/tests/mutants.test.ts) checks only the catches each mutant declares; this is the full picture.
 */
import { ALL_PROPERTIES } from './all.ts';
import { createMutantBackend, MUTANTS } from './mutants.ts';
import { loadRegressions } from './regressions.ts';
import { DEFAULT_SEED, runPropertySuite } from './suite.ts';

const caughtBy = new Map<string, string[]>();
let missing = 0;
for (const mutant of MUTANTS) {
  const results = await runPropertySuite(createMutantBackend(mutant.name), {
    seed: DEFAULT_SEED, numRuns: 20, regressionCases: (id) => loadRegressions(id).map((r) => r.case),
  });
  const caught = results.filter((r) => !r.passed).map((r) => r.id);
  const absent = mutant.caughtBy.filter((id) => !caught.includes(id));
  missing += absent.length;
  for (const id of caught) caughtBy.set(id, [...(caughtBy.get(id) ?? []), mutant.name]);
  console.log(`${mutant.name}: caught by ${caught.length} (${caught.join(', ') || 'nothing'})${absent.length ? `; MISSED by declared ${absent.join(', ')}` : ''}`);
}
console.log('\nper property: the mutants it catches');
for (const p of ALL_PROPERTIES) console.log(`  ${p.id.padEnd(48)} ${String(caughtBy.get(p.id)?.length ?? 0).padStart(2)}  ${(caughtBy.get(p.id) ?? []).join(', ')}`);
const idle = ALL_PROPERTIES.filter((p) => !caughtBy.has(p.id));
if (idle.length || missing) {
  console.log(`\n${idle.length} properties catch no mutant, ${missing} declared catches missed`);
  process.exit(1);
}
