/**
 * The property suite as vitest tests: one `describe` per backend, one `it` per property.
 * A port to a new backend calls `describePropertySuite` from a test file (see the README).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { PartialBackend } from '../kernels/backend.ts';
import { relative } from 'node:path';
import { loadRegressions, REGRESSIONS_DIR, storeRegression } from './regressions.ts';
import { FUZZ, ONLY_PROPERTIES, PATH, RECORD, SEED, numRunsFor } from './settings.ts';
import { assertSelectable, describeFailure, NOTHING_JUDGED, runProperty, selectProperties, type SuiteOptions } from './suite.ts';

export interface DescribeSuiteOptions extends SuiteOptions {
  /**
   * The folder to store new counterexamples in (and replay the ones stored there, after the
   * harness's own), or false. Default: FC_RECORD (off when unset; FC_RECORD=DIR names a folder; in
   * this repository FC_RECORD=1 is its fixtures/regressions/).
   */
  readonly record?: string | false;
}

/** Defines the suite's tests for the backend `create` returns (called once, disposed after). */
export function describePropertySuite(name: string, create: () => PartialBackend | Promise<PartialBackend>, options: DescribeSuiteOptions = {}): void {
  const record = options.record ?? RECORD;
  const suiteOptions: SuiteOptions = {
    seed: SEED,
    numRuns: numRunsFor(),
    only: ONLY_PROPERTIES,
    path: PATH,
    regressionCases: (id) => [...loadRegressions(id), ...(record && record !== REGRESSIONS_DIR ? loadRegressions(id, record) : [])].map((r) => r.case),
    onCounterexample: (id, counterexample, result) => {
      if (!record) return;
      storeRegression(id, { name: `${result.backend}, seed ${result.seed}`, found: new Date().toISOString().slice(0, 10), case: counterexample }, record);
    },
    ...options,
  };
  describe(`backend ${name} (seed ${suiteOptions.seed}, ${suiteOptions.numRuns} cases per property${FUZZ ? ', fuzzing' : ''})`, () => {
    let backend: PartialBackend;
    beforeAll(async () => {
      backend = await create();
      assertSelectable(backend, suiteOptions.ops); // judging an operation the backend lacks would pass having run nothing
    });
    // Properties this file ran, and those that ran a case: all skipped is a suite that judged nothing, and fails.
    let ranProperties = 0;
    let judgedProperties = 0;
    afterAll(() => {
      backend?.dispose?.();
      if (ranProperties > 0 && judgedProperties === 0) {
        throw new Error(`backend ${name}: nothing was judged, of ${ranProperties} properties: ${NOTHING_JUDGED}.`);
      }
    });
    for (const property of selectProperties({ name }, suiteOptions)) {
      it(`${property.id}: ${property.statement}`, async (context) => {
        const ran = await runProperty(backend, property, suiteOptions);
        ranProperties++;
        if (ran.numRuns > 0) judgedProperties++;
        // The replay is this test file under vitest, in the caller's project as in this repository.
        const file = relative(process.cwd(), context.task.file?.filepath ?? '') || '<this test file>';
        // FC_RECORD where it came from the environment: its folder's stored cases run first, and may be the failure.
        const recorded = record && options.record === undefined ? ` FC_RECORD=${record === REGRESSIONS_DIR ? '1' : relative(process.cwd(), record) || '.'}` : '';
        const result = ran.replay === undefined ? ran : { ...ran, replay: `FC_PROPERTY=${ran.id} FC_SEED=${ran.seed} FC_PATH=${ran.counterexamplePath ?? ''}${recorded} FC_BACKENDS='${name}' npx vitest run ${file}` };
        if (!result.passed) {
          const folder = record ? relative(process.cwd(), record) || '.' : '';
          const stored = record
            ? `\n  stored in ${folder}/${property.id}.json: it runs first on every run that records into or replays from that folder (FC_RECORD=${record === REGRESSIONS_DIR ? '1' : folder}, or the record option); commit it`
            : '\n  not stored (FC_RECORD=DIR stores it in DIR and replays it on every run that names DIR; in the harness\'s own repository FC_RECORD=1 stores it in fixtures/regressions/)';
          throw new Error(describeFailure(result) + (result.status === 'failed' ? stored : ''));
        }
        // Never a plain green tick for what did not run: not implemented and all-declined show as skipped, with why.
        if (result.status === 'not implemented') context.skip(`not implemented: ${result.missing?.join(', ')}`);
        if (result.status === 'not selected') context.skip(`not selected: needs ${result.missing?.join(', ')}`);
        if (result.status === 'declined') context.skip(result.error);
        if (result.status === 'expected difference') console.log(`${property.id} on ${name}: differs as expected (${result.expectedReason}): ${result.error}`);
        else if (result.unsupported + result.notImplemented > 0) {
          console.log(`${property.id} on ${name}: ${result.numRuns} cases run, ${result.unsupported} declined, ${result.notImplemented} calling operations not implemented`);
        }
      });
    }
  });
}
