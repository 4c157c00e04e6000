/**
 * The property suite as vitest tests: one `describe` per backend, one `it` per property.
 * A port to a new backend calls `describePropertySuite` from a test file (see the README).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { PartialBackend } from '../kernels/backend';
import { loadRegressions, storeRegression } from './regressions';
import { FUZZ, ONLY_PROPERTIES, PATH, RECORD, SEED, numRunsFor } from './settings';
import { describeFailure, runProperty, selectProperties, type SuiteOptions } from './suite';

export interface DescribeSuiteOptions extends SuiteOptions {
  /** Store new counterexamples under fixtures/regressions/. Default: FC_RECORD (off unless FC_RECORD=1). */
  readonly record?: boolean;
}

/** Defines the suite's tests for the backend `create` returns (called once, disposed after). */
export function describePropertySuite(name: string, create: () => PartialBackend | Promise<PartialBackend>, options: DescribeSuiteOptions = {}): void {
  const record = options.record ?? RECORD;
  const suiteOptions: SuiteOptions = {
    seed: SEED,
    numRuns: numRunsFor(name),
    only: ONLY_PROPERTIES,
    path: PATH,
    regressionCases: (id) => loadRegressions(id).map((r) => r.case),
    onCounterexample: (id, counterexample, result) => {
      if (!record) return;
      storeRegression(id, { name: `${result.backend}, seed ${result.seed}`, found: new Date().toISOString().slice(0, 10), case: counterexample });
    },
    ...options,
  };
  describe(`backend ${name} (seed ${suiteOptions.seed}, ${suiteOptions.numRuns} cases per property${FUZZ ? ', fuzzing' : ''})`, () => {
    let backend: PartialBackend;
    beforeAll(async () => {
      backend = await create();
    });
    afterAll(() => backend?.dispose?.());
    for (const property of selectProperties({ name }, suiteOptions)) {
      it(`${property.id}: ${property.statement}`, async (context) => {
        const result = await runProperty(backend, property, suiteOptions);
        if (!result.passed) {
          const stored = record
            ? `\n  stored in fixtures/regressions/${property.id}.json: commit it so it runs every time`
            : `\n  not stored (FC_RECORD=1 stores it in fixtures/regressions/${property.id}.json)`;
          throw new Error(describeFailure(result) + (result.status === 'failed' ? stored : ''));
        }
        // Never a plain green tick for what did not run: not implemented and all-declined show as skipped, with why.
        if (result.status === 'not implemented') context.skip(`not implemented: ${result.missing?.join(', ')}`);
        if (result.status === 'declined') context.skip(result.error);
        if (result.status === 'expected difference') console.log(`${property.id} on ${name}: differs as expected (${result.expectedReason}): ${result.error}`);
        else if (result.unsupported + result.notImplemented > 0) {
          console.log(`${property.id} on ${name}: ${result.numRuns} cases run, ${result.unsupported} declined, ${result.notImplemented} calling operations not implemented`);
        }
      });
    }
  });
}
