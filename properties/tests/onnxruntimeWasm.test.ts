// The suite is pluggable: ONNX Runtime Web (wasm execution provider), through an adapter that runs
// each forward operation as a one-node ONNX model, runs the same properties. It is inference only:
// every gradient operation must be reported 'not implemented', never failed. Its differences from
// PyTorch (properties/adapters/onnxruntimeWasmModule.ts) are the run's expected differences: a new
// failure fails here, and so does a difference that disappears on an upgrade (an unexpected pass).
import { describe, expect, it } from 'vitest';
import { OPERATION_NAMES } from '../../kernels/backend.ts';
import * as ref from '../../reference/index.ts';
import { createBackend, expectedDifferences } from '../adapters/onnxruntimeWasmModule.ts';
import { DEFAULT_SEED, describeFailure, runPropertySuite } from '../suite.ts';

const GRADIENTS = OPERATION_NAMES.filter((op) => op.endsWith('Backward'));

describe('third-party runtime: ONNX Runtime Web, wasm (onnxruntime-web 1.30.0)', () => {
  it('passes every property except its expected differences from PyTorch semantics; gradients are not implemented', async () => {
    const backend = createBackend();
    try {
      for (const op of GRADIENTS) expect((backend as Record<string, unknown>)[op], op).toBeUndefined();
      const results = await runPropertySuite(backend, { seed: DEFAULT_SEED, numRuns: 20, expectedDifferences });
      for (const r of results.filter((p) => p.status !== 'passed' && p.status !== 'not implemented')) console.log(describeFailure(r));
      const count = (status: string) => results.filter((r) => r.status === status).length;
      const declined = results.reduce((n, r) => n + r.unsupported, 0);
      console.log(
        `onnxruntime-web-wasm: ${count('passed')} of ${results.length} properties pass, ${count('expected difference')} differ as expected, ` +
          `${count('not implemented')} not implemented; cases it declined: ${declined}`,
      );
      expect(results.filter((r) => !r.passed).map((r) => `${r.id}: ${r.status}: ${r.error}`)).toEqual([]);
      // A documented difference must be a wrong answer, not the adapter crashing.
      for (const r of results.filter((p) => p.status === 'expected difference')) expect(r.error, r.id).not.toMatch(/is not a function|Cannot read|undefined/);
      // Inference only: a property that needs only gradients is not implemented; none fails for a missing gradient.
      const missing = new Set(results.flatMap((r) => r.missing ?? []));
      for (const op of GRADIENTS) expect(missing.has(op), `${op} reported missing`).toBe(true);
      for (const r of results.filter((p) => p.status === 'not implemented')) expect(r.passed, r.id).toBe(true);
    } finally {
      backend.dispose?.();
    }
  });

  // Each difference on its minimal counterexample, ORT's answer beside PyTorch's (the reference): the
  // dilated all-padding window is rare in 20 drawn cases, so this pins it too, and an ORT upgrade that
  // changes any of them shows here first.
  it('gives its documented answers on the minimal counterexamples', async () => {
    const backend = createBackend();
    try {
      const t = (shape: number[], values: number[]) => ({ shape, data: Float32Array.from(values) });
      const allPadding = { kernelSize: [2, 2] as const, padding: { top: 1, bottom: 1, left: 0, right: 0 }, dilation: [2, 1] as const };
      const x1 = t([1, 1, 1, 2], [-0.01171875, 0.00390625]);
      expect(ref.maxPool2d(x1, allPadding).data[0]).toBe(-Infinity);
      expect((await backend.maxPool2d!(x1, allPadding)).data[0]).toBe(-3.4028234663852886e38);
      const x2 = t([1, 1, 2, 1], [Infinity, NaN]);
      expect(ref.maxPool2d(x2, { kernelSize: [2, 1] }).data[0]).toBeNaN();
      expect((await backend.maxPool2d!(x2, { kernelSize: [2, 1] })).data[0]).toBe(Infinity);
      const x3 = t([1, 2], [-10, -17.5]);
      expect(Array.from(ref.sigmoid(x3).data, Math.fround)).toEqual([4.539786823443137e-5, 2.510999053129126e-8]);
      expect(Array.from((await backend.sigmoid!(x3)).data)).toEqual([4.5418739318847656e-5, 0]);
    } finally {
      backend.dispose?.();
    }
  });
});
