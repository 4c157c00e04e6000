// wasm-simd specifics the shared property suite does not reach: the single-thread path, and the
// memory limit. (Everything else about it is judged by properties/tests/suite.test.ts.)
import { describe, expect, it } from 'vitest';
import { createWasmSimdBackend } from '../wasmSimd/index';
import { describePropertySuite } from '../../properties/vitestSuite';
import { float32Tensor } from '../../properties/tensors';

describePropertySuite('wasm-simd, 1 thread', () => createWasmSimdBackend({ threads: 1 }), {
  only: ['conv2d-forward-equals-reference', 'conv2d-backward-equals-reference', 'contract-deterministic'],
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
