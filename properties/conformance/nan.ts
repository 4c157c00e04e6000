/** NaN policy: NaN propagates, exactly where the reference says (PyTorch's rules), never silently dropped. */
import fc from 'fast-check';
import * as ref from '../../reference/index';
import { conv2dCase, type Conv2dCase } from '../arbitraries/conv2dCase';
import { pool2dCase, type Pool2dCase } from '../arbitraries/pool2dCase';
import { assertClose, assertEqual } from '../compare';
import { defineProperty } from '../property';
import { abs } from '../tensorOps';
import { float32Tensor } from '../tensors';
import { sumOfProductsTolerance } from '../tolerance';

/** x with NaN written at the given positions (taken modulo its size). */
function withNaNs(x: ref.Tensor, positions: readonly number[]): ref.Tensor {
  const data = Float32Array.from(x.data);
  for (const p of positions) data[p % data.length] = NaN;
  return { shape: x.shape, data };
}

const nanPositions = fc.array(fc.nat(), { minLength: 1, maxLength: 3 });

export const nanPropagates = defineProperty({
  id: 'nan-propagates-like-reference',
  kind: 'conformance',
  statement: 'a NaN in x makes NaN exactly the conv2d, maxPool2d and avgPool2d outputs whose window covers it (max pool: NaN wins), and max pool routes the gradient to it',
  arbitrary: fc.oneof(
    fc.record({ op: fc.constant('conv' as const), c: conv2dCase(), nans: nanPositions }),
    fc.record({ op: fc.constant('pool' as const), c: pool2dCase(), nans: nanPositions }),
  ),
  async check(backend, t: { op: 'conv'; c: Conv2dCase; nans: number[] } | { op: 'pool'; c: Pool2dCase; nans: number[] }) {
    if (t.op === 'conv') {
      const c = t.c;
      const x = withNaNs(float32Tensor(c.xShape, c.seed), t.nans);
      const w = float32Tensor(c.weightShape, c.seed + 1);
      const terms = c.weightShape[1] * c.weightShape[2] * c.weightShape[3];
      const bound = sumOfProductsTolerance(ref.conv2d(abs(x), abs(w), null, c.options).data, terms);
      assertClose('conv2d with NaN', await backend.conv2d(x, w, null, c.options), ref.conv2d(x, w, null, c.options), bound);
      return;
    }
    const c = t.c;
    const x = withNaNs(float32Tensor(c.xShape, c.seed, 'distinct'), t.nans);
    if (c.kind === 'max') {
      const y = ref.maxPool2d(x, c.options);
      assertEqual('maxPool2d with NaN', await backend.maxPool2d(x, c.options), y);
      const dy = float32Tensor(y.shape, c.seed + 1);
      const g = ref.resolvePool2d('maxPool2d', c.xShape, c.options, ref.MAX_POOL2D_OPTIONS);
      const bound = sumOfProductsTolerance(ref.maxPool2dBackward(abs(dy), x, c.options).dx.data, g.kernelH * g.kernelW);
      assertClose('maxPool2d dx with NaN', (await backend.maxPool2dBackward(dy, x, c.options)).dx, ref.maxPool2dBackward(dy, x, c.options).dx, bound);
    } else {
      const g = ref.resolvePool2d('avgPool2d', c.xShape, c.options, ref.AVG_POOL2D_OPTIONS);
      const bound = sumOfProductsTolerance(ref.avgPool2d(abs(x), c.options).data, g.kernelH * g.kernelW);
      assertClose('avgPool2d with NaN', await backend.avgPool2d(x, c.options), ref.avgPool2d(x, c.options), bound);
    }
  },
});
