/** NaN policy: NaN propagates, exactly where the reference says (PyTorch's rules), never silently dropped. */
import fc from 'fast-check';
import * as ref from '../../reference/index.ts';
import { conv2dCase, type Conv2dCase } from '../arbitraries/conv2dCase.ts';
import { pool2dCase, type Pool2dCase } from '../arbitraries/pool2dCase.ts';
import { expectConforms } from '../judges.ts';
import { defineProperty } from '../property.ts';
import { float32Tensor } from '../tensors.ts';

/**
 * x with a special value written at each position (taken modulo its size): NaN mostly, ±Infinity
 * too (an infinity times a zero weight, or +Infinity plus -Infinity, is NaN; max pooling keeps it).
 */
export function withNaNs(x: ref.Tensor, positions: readonly (readonly [number, number])[]): ref.Tensor {
  const data = Float32Array.from(x.data);
  for (const [p, which] of positions) data[p % data.length] = [NaN, NaN, NaN, NaN, Infinity, -Infinity][which];
  return { shape: x.shape, data };
}

/** Positions, each with which special value: 0-3 NaN, 4 +Infinity, 5 -Infinity (stored cases with bare positions mean NaN). */
const nanPositions = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 4 });

export const nanPropagates = defineProperty({
  id: 'nan-propagates-like-reference',
  kind: 'conformance',
  uses: ['conv2d', 'maxPool2d', 'maxPool2dBackward', 'avgPool2d'],
  partial: true,
  statement: 'a NaN or ±Infinity in x gives NaN and ±Infinity exactly where the reference does in conv2d, maxPool2d and avgPool2d (max pool: NaN wins), and max pool routes the gradient to it',
  arbitrary: fc.oneof(
    fc.record({ op: fc.constant('conv' as const), c: conv2dCase(), nans: nanPositions }),
    fc.record({ op: fc.constant('pool' as const), c: pool2dCase(), nans: nanPositions }),
  ),
  async check(backend, stored: { op: 'conv'; c: Conv2dCase; nans: (number | [number, number])[] } | { op: 'pool'; c: Pool2dCase; nans: (number | [number, number])[] }, context) {
    const nans = stored.nans.map((n) => (typeof n === 'number' ? ([n, 0] as const) : ([n[0], n[1]] as const)));
    const t = { ...stored, nans };
    if (t.op === 'conv') {
      const c = t.c;
      const x = withNaNs(float32Tensor(c.xShape, c.seed), t.nans);
      await expectConforms(backend, 'conv2d', [x, float32Tensor(c.weightShape, c.seed + 1), null, c.options], context);
      return;
    }
    const c = t.c;
    const x = withNaNs(float32Tensor(c.xShape, c.seed, 'distinct'), t.nans);
    if (c.kind === 'max') {
      await expectConforms(backend, 'maxPool2d', [x, c.options], context);
      await expectConforms(backend, 'maxPool2dBackward', [float32Tensor(ref.maxPool2d(x, c.options).shape, c.seed + 1), x, c.options], context);
    } else {
      await expectConforms(backend, 'avgPool2d', [x, c.options], context);
    }
  },
});
