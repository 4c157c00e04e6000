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

/**
 * x with a special value written at each position (taken modulo its size): NaN mostly, ±Infinity
 * too (an infinity times a zero weight, or +Infinity plus -Infinity, is NaN; max pooling keeps it).
 */
function withNaNs(x: ref.Tensor, positions: readonly (readonly [number, number])[]): ref.Tensor {
  const data = Float32Array.from(x.data);
  for (const [p, which] of positions) data[p % data.length] = [NaN, NaN, NaN, NaN, Infinity, -Infinity][which];
  return { shape: x.shape, data };
}

/** Positions, each with which special value: 0-3 NaN, 4 +Infinity, 5 -Infinity (stored cases with bare positions mean NaN). */
const nanPositions = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 4 });

export const nanPropagates = defineProperty({
  id: 'nan-propagates-like-reference',
  kind: 'conformance',
  statement: 'a NaN or ±Infinity in x gives NaN and ±Infinity exactly where the reference does in conv2d, maxPool2d and avgPool2d (max pool: NaN wins), and max pool routes the gradient to it',
  arbitrary: fc.oneof(
    fc.record({ op: fc.constant('conv' as const), c: conv2dCase(), nans: nanPositions }),
    fc.record({ op: fc.constant('pool' as const), c: pool2dCase(), nans: nanPositions }),
  ),
  async check(backend, stored: { op: 'conv'; c: Conv2dCase; nans: (number | [number, number])[] } | { op: 'pool'; c: Pool2dCase; nans: (number | [number, number])[] }) {
    const nans = stored.nans.map((n) => (typeof n === 'number' ? ([n, 0] as const) : ([n[0], n[1]] as const)));
    const t = { ...stored, nans };
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
