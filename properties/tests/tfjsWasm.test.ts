// TensorFlow.js's WebAssembly backend (@tensorflow/tfjs-backend-wasm 4.22.0, one thread), through the
// same adapter as tfjs-cpu (properties/adapters/tfjs.ts). Its documented differences from PyTorch
// (TFJS_DIFFERENCES.wasm, exported by properties/adapters/tfjsWasmModule.ts as the harness command
// takes them) are the run's expected differences: a new failure fails here, and so does a difference
// that disappears on a tfjs upgrade (an unexpected pass).
import { describe, expect, it } from 'vitest';
import { createBackend, expectedDifferences } from '../adapters/tfjsWasmModule.ts';
import { DEFAULT_SEED, describeFailure, runPropertySuite } from '../suite.ts';

describe('third-party port: TensorFlow.js WebAssembly backend (@tensorflow/tfjs-backend-wasm 4.22.0)', () => {
  it('passes every property except its expected differences from PyTorch semantics', async () => {
    const backend = await createBackend();
    const results = await runPropertySuite(backend, { seed: DEFAULT_SEED, numRuns: 20, expectedDifferences });
    for (const r of results.filter((p) => p.status !== 'passed' && p.status !== 'not implemented')) console.log(describeFailure(r));
    // tfjs-wasm registers no Conv2DBackpropFilter kernel: the adapter leaves conv2dBackward out, and the suite says so.
    expect(results.filter((r) => r.status === 'not implemented').map((r) => `${r.id}: missing ${r.missing?.join(', ')}`)).toEqual(['conv2d-backward-equals-reference: missing conv2dBackward']);
    const declined = results.reduce((n, r) => n + r.unsupported, 0);
    console.log(`tfjs-wasm (${backend.variant}): ${results.filter((r) => r.status === 'passed').length} of ${results.length} properties pass, ${expectedDifferences.length} differ as expected; cases it declined: ${declined}`);
    expect(results.filter((r) => !r.passed).map((r) => `${r.id}: ${r.status}: ${r.error}`)).toEqual([]);
    // A documented difference must be a wrong answer, not the adapter crashing.
    for (const r of results.filter((p) => p.status === 'expected difference')) expect(r.error, r.id).not.toMatch(/is not a function|Cannot read|undefined|not registered/);
  });
});
