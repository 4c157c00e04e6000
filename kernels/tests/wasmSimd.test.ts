// wasm-simd specifics the shared property suite does not reach: the single-thread path, and the
// memory limit. (Everything else about it is judged by properties/tests/suite.test.ts.)
import { describe, expect, it } from 'vitest';
import { createWasmSimdBackend } from '../wasmSimd/index';
import { describePropertySuite } from '../../properties/vitestSuite';
import { float32Tensor } from '../../properties/tensors';
import { transcendentalTolerance, worstViolation } from '../../properties/tolerance';

describePropertySuite('wasm-simd, 1 thread', () => createWasmSimdBackend({ threads: 1 }), {
  only: ['conv2d-forward-equals-reference', 'conv2d-backward-equals-reference', 'contract-deterministic'],
});

describe('wasm-simd threads', () => {
  it('conv2dBackward gives the same bits on 1 and 2 threads, call after call (weight gradients summed per chunk, in order)', async () => {
    const x = float32Tensor([64, 6, 14, 14], 1);
    const w = float32Tensor([16, 6, 5, 5], 2);
    const dy = float32Tensor([64, 16, 10, 10], 3);
    const one = createWasmSimdBackend({ threads: 1 });
    const two = createWasmSimdBackend({ threads: 2 });
    const expected = await one.conv2dBackward(dy, x, w);
    for (let call = 0; call < 5; call++) {
      const got = await two.conv2dBackward(dy, x, w);
      for (const name of ['dx', 'dw', 'db'] as const) {
        expect(Buffer.from(got[name].data.buffer).equals(Buffer.from(expected[name].data.buffer)), `call ${call}: ${name}`).toBe(true);
      }
    }
    one.dispose();
    two.dispose();
  });
});

describe('wasm-simd sigmoid (a vectorized exp)', () => {
  it('is within the exp error model over [-100, 100], at the float32 extremes, and keeps NaN', async () => {
    const xs: number[] = [];
    for (let v = -100; v <= 100; v += 0.0137) xs.push(v);
    xs.push(-1e30, 1e30, -Infinity, Infinity, 0, -0, 88.72, -87.34, 1e-30, NaN);
    const x = { shape: [xs.length], data: Float32Array.from(xs) };
    const backend = createWasmSimdBackend({ threads: 1 });
    const y = await backend.sigmoid(x);
    backend.dispose();
    const expected = Float64Array.from(x.data, (v) => 1 / (1 + Math.exp(-v)));
    const bound = transcendentalTolerance(expected, 0);
    const worst = worstViolation(y.data, expected, bound);
    expect(worst.ratio, `x = ${x.data[worst.index]}: ${y.data[worst.index]} vs ${expected[worst.index]}`).toBeLessThanOrEqual(1);
    expect(Number.isNaN(y.data[xs.length - 1])).toBe(true);
  });
});

describe('wasm-simd memory', () => {
  it('refuses a call that would need more than wasm32\'s 4 GiB, with the size and the fix', async () => {
    const backend = createWasmSimdBackend({ threads: 1 });
    const x = float32Tensor([1, 1, 2048, 2048], 1); // 16 MiB, but its 64x64 im2col is ~62 GiB
    const w = float32Tensor([1, 1, 64, 64], 2);
    await expect(backend.conv2d(x, w, null)).rejects.toThrow(/wasm-simd: an im2col buffer needs \d+\.\d+ GiB of wasm memory in this call, over the 4 GiB wasm32 limit\. Fix: split the batch\./);
    // The backend is still usable afterwards (the arena was reset).
    const y = await backend.conv2d(float32Tensor([1, 1, 3, 3], 3), float32Tensor([1, 1, 2, 2], 4), null);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    backend.dispose();
  });
});
