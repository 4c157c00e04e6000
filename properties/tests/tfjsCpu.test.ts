// The suite is pluggable: TensorFlow.js's CPU backend, through an adapter, runs the same properties.
// Its documented differences from PyTorch (TFJS_CPU_DIFFERENCES, quoted in the README, exported by
// properties/adapters/tfjsCpuModule.ts as the harness command takes them) are the run's
// expected differences: a new failure fails here, and so does a difference that disappears on a tfjs
// upgrade (an unexpected pass).
import { describe, expect, it } from 'vitest';
import { createBackend, expectedDifferences } from '../adapters/tfjsCpuModule.ts';
import { DEFAULT_SEED, describeFailure, runPropertySuite } from '../suite.ts';

describe('third-party port: TensorFlow.js CPU backend (@tensorflow/tfjs 4.22.0)', () => {
  it('passes every property except its expected differences from PyTorch semantics', async () => {
    const results = await runPropertySuite(createBackend(), { seed: DEFAULT_SEED, numRuns: 20, expectedDifferences });
    for (const r of results.filter((p) => p.status !== 'passed')) console.log(describeFailure(r));
    const declined = results.reduce((n, r) => n + r.unsupported, 0);
    console.log(`tfjs-cpu: ${results.filter((r) => r.status === 'passed').length} of ${results.length} properties pass, ${expectedDifferences.length} differ as expected; cases it declined: ${declined}`);
    expect(results.filter((r) => !r.passed).map((r) => `${r.id}: ${r.status}: ${r.error}`)).toEqual([]);
    // A documented difference must be a wrong answer, not the adapter crashing.
    for (const r of results.filter((p) => p.status === 'expected difference')) expect(r.error, r.id).not.toMatch(/is not a function|Cannot read|undefined/);
  });
});
