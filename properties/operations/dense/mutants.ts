/** Realistic bugs in matmul, linear and flatten: each is the float32 reference with one bug in place, and lists the properties that must catch it. */
import * as ref from '../../../reference/index.ts';
import type { Backend } from '../../../kernels/backend.ts';
import type { Mutant } from '../family.ts';
import { f32, fr, grads, rowsOf } from '../mutantKit.ts';

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'matmul-skips-last-inner', bug: 'matmul\'s inner loop stops one term early', caughtBy: ['linear-equals-reference', 'law-conv1x1-equals-matmul', 'law-im2col-matmul-equals-direct'],
    overrides: () => ({
      matmul: async (A, B) => {
        const [M, K] = A.shape;
        const N = B.shape[1];
        const y = ref.matmul(A, B);
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) if (K > 1) y.data[i * N + j] -= A.data[i * K + K - 1] * B.data[(K - 1) * N + j];
        return f32(y);
      },
    }),
  },
  {
    name: 'linear-db-first-row-only', bug: 'linearBackward\'s bias gradient is the first row of dy, not the sum over the batch', caughtBy: ['linear-equals-reference'],
    overrides: () => ({
      linearBackward: async (dy, x, w) => {
        const g = ref.linearBackward(dy, x, w);
        return grads({ ...g, db: ref.fromFlat([dy.shape[1]], dy.data.subarray(0, dy.shape[1])) });
      },
    }),
  },
  {
    name: 'flatten-channels-last', bug: 'flatten orders each image channels-last (NHWC), as a port from TensorFlow would', caughtBy: ['flatten-equals-reference'],
    overrides: () => ({
      flatten: async (x) => {
        ref.flatten(x); // the reference's validation
        if (x.shape.length !== 4) return f32(ref.flatten(x));
        const [N, C, H, W] = x.shape;
        const out = new Float32Array(x.data.length);
        for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[(n * H * W + p) * C + c] = x.data[(n * C + c) * H * W + p];
        return { shape: [N, C * H * W], data: out };
      },
    }),
  },
];
