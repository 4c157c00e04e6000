// The suite is pluggable: TensorFlow.js's CPU backend, through an adapter, runs the same properties.
// It must pass everything except the documented differences (TFJS_CPU_DIFFERENCES, quoted in the
// README); a new difference, or one that disappears on a tfjs upgrade, fails here.
import { describe, expect, it } from 'vitest';
import { createTfjsCpuBackend, TFJS_CPU_DIFFERENCES } from '../adapters/tfjsCpu';
import { DEFAULT_SEED, describeFailure, runPropertySuite } from '../suite';

describe('third-party port: TensorFlow.js CPU backend (@tensorflow/tfjs 4.22.0)', () => {
  it('passes every property except the documented differences from PyTorch semantics', async () => {
    const results = await runPropertySuite(createTfjsCpuBackend(), { seed: DEFAULT_SEED, numRuns: 20 });
    const failed = results.filter((r) => !r.passed);
    for (const r of failed) console.log(describeFailure(r));
    console.log(`tfjs-cpu: ${results.length - failed.length} of ${results.length} properties pass; cases it declined: ${results.reduce((n, r) => n + r.unsupported, 0)}`);
    expect(failed.map((r) => r.id).sort()).toEqual(Object.keys(TFJS_CPU_DIFFERENCES).sort());
    // A documented difference must be a wrong answer, not the adapter crashing.
    for (const r of failed) expect(r.error, r.id).not.toMatch(/is not a function|Cannot read|undefined/);
  });
});
