/** No operation writes into its inputs (sgd only into its parameters): a kernel working in place corrupts its caller's tensors. */
import fc from 'fast-check';
import type { Backend } from '../../kernels/backend.ts';
import type * as ref from '../../reference/index.ts';
import { OPERATION_NAMES } from '../../kernels/backend.ts';
import { assertUnchanged, ifImplemented } from '../judges.ts';
import { defineProperty } from '../property.ts';
import { float32Tensor, withSpecials } from '../tensors.ts';

export interface InputsCase {
  readonly batch: number;
  readonly channels: number;
  readonly size: number;
  readonly classes: number;
  readonly seed: number;
}

/** Every operation of the interface once, on small tensors; `t(name, shape)` makes each input. */
function calls(c: InputsCase, t: (shape: number[]) => ref.Tensor): [string, unknown[], (b: Backend) => Promise<unknown>][] {
  const { batch: N, channels: C, size: S, classes: K } = c;
  const x = t([N, C, S, S]);
  const w = t([2, C, 2, 2]);
  const b = t([2]);
  const dy = t([N, 2, S - 1, S - 1]);
  const pool = { kernelSize: 2, stride: 1 };
  const avg = { kernelSize: 2, stride: 1 }; // countIncludePad left to its default: a kernel must not write it in
  const conv = {};
  const py = t([N, C, S - 1, S - 1]);
  const rows = t([N, K]);
  const drows = t([N, K]);
  const lw = t([3, K]);
  const lb = t([3]);
  const ldy = t([N, 3]);
  const labels = Array.from({ length: N }, (_, n) => (((n * 7 + c.seed) % K) + K) % K);
  const param = t([K]);
  const grad = t([K]);
  return [
    ['conv2d', [x, w, b, conv], (be) => be.conv2d(x, w, b, conv)],
    ['conv2dBackward', [dy, x, w, conv], (be) => be.conv2dBackward(dy, x, w, conv)],
    ['maxPool2d', [x, pool], (be) => be.maxPool2d(x, pool)],
    ['maxPool2dBackward', [py, x, pool], (be) => be.maxPool2dBackward(py, x, pool)],
    ['avgPool2d', [x, avg], (be) => be.avgPool2d(x, avg)],
    ['avgPool2dBackward', [py, x, avg], (be) => be.avgPool2dBackward(py, x, avg)],
    ['matmul', [rows, lw], (be) => be.matmul(rows, { shape: [K, 3], data: lw.data })],
    ['linear', [rows, lw, lb], (be) => be.linear(rows, lw, lb)],
    ['linearBackward', [ldy, rows, lw], (be) => be.linearBackward(ldy, rows, lw)],
    ['flatten', [x], (be) => be.flatten(x)],
    ['flattenBackward', [rows], (be) => be.flattenBackward(rows, [N, K])],
    ['sigmoid', [rows], (be) => be.sigmoid(rows)],
    ['sigmoidBackward', [drows, rows], (be) => be.sigmoidBackward(drows, rows)],
    ['relu', [rows], (be) => be.relu(rows)],
    ['reluBackward', [drows, rows], (be) => be.reluBackward(drows, rows)],
    ['softmax', [rows], (be) => be.softmax(rows)],
    ['softmaxBackward', [drows, rows], (be) => be.softmaxBackward(drows, rows)],
    ['logSoftmax', [rows], (be) => be.logSoftmax(rows)],
    ['logSoftmaxBackward', [drows, rows], (be) => be.logSoftmaxBackward(drows, rows)],
    ['crossEntropy', [rows, labels], (be) => be.crossEntropy(rows, labels)],
    ['crossEntropyBackward', [rows, labels], (be) => be.crossEntropyBackward(rows, labels)],
    ['accuracy', [rows, labels], (be) => be.accuracy(rows, labels)],
    ['sgd (its gradients)', [grad], (be) => be.sgd([param], [grad], 0.1)],
  ];
}

export const inputsUnchanged = defineProperty({
  id: 'contract-inputs-unchanged',
  kind: 'contract',
  uses: OPERATION_NAMES,
  partial: true,
  statement: 'no operation writes into its inputs (sgd writes only its parameters): every tensor keeps its bits, NaN and negatives included, and options and labels stay as given',
  arbitrary: fc.record({
    batch: fc.integer({ min: 1, max: 3 }), channels: fc.integer({ min: 1, max: 3 }), size: fc.integer({ min: 2, max: 6 }),
    classes: fc.integer({ min: 2, max: 6 }), seed: fc.integer(),
  }),
  runsFactor: 0.3,
  async check(backend, c: InputsCase) {
    let k = 0;
    // Negative values, zeros and NaN: what an in-place relu or pool would overwrite.
    const t = (shape: number[]) => withSpecials(float32Tensor(shape, c.seed + k++, 'moderate'), c.seed + k++, 8, [NaN, 0, -0]);
    for (const [name, inputs, call] of calls(c, t)) {
      const before = structuredClone(inputs);
      if ((await ifImplemented(async () => (await call(backend), true))) === undefined) continue; // a partial backend's missing operation
      assertUnchanged(name, inputs, before);
    }
  },
});
