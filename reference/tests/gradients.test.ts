// Every backward pass of the reference against central finite differences in float64, on random
// configurations and inputs (fast-check, fixed seed so CI is reproducible).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  avgPool2d, avgPool2dBackward, conv2d, conv2dBackward, crossEntropy, crossEntropyBackward, flatten, flattenBackward,
  linear, linearBackward, logSoftmax, logSoftmaxBackward, maxPool2d, maxPool2dBackward, relu, reluBackward, sigmoid,
  sigmoidBackward, softmax, softmaxBackward, type Tensor,
} from '../index.ts';
import { conv2dCase } from '../../properties/arbitraries/conv2dCase.ts';
import { pool2dCase } from '../../properties/arbitraries/pool2dCase.ts';
import { dot, maxRelativeError, numericGradient } from '../../properties/finiteDifferences.ts';
import { seededTensor } from '../../properties/tensors.ts';

const TOLERANCE = 1e-6; // derived in properties/finiteDifferences.ts
const SETTINGS = { seed: 20261122, numRuns: 40 };

function expectGradient(analytic: Tensor, f: () => number, x: Tensor): void {
  expect(analytic.shape).toEqual(x.shape);
  expect(maxRelativeError(analytic.data, numericGradient(f, x))).toBeLessThan(TOLERANCE);
}

describe('reference backward passes equal central finite differences', () => {
  it('conv2d: dx, dw, db (any stride, padding, dilation, groups)', () => {
    fc.assert(
      fc.property(conv2dCase({ maxExtraSize: 3, maxChannelsPerGroup: 2 }), (c) => {
        const x = seededTensor(c.xShape, c.seed);
        const w = seededTensor(c.weightShape, c.seed + 1);
        const b = seededTensor([c.weightShape[0]], c.seed + 2);
        const y = conv2d(x, w, b, c.options);
        const r = seededTensor(y.shape, c.seed + 3);
        const loss = () => dot(conv2d(x, w, b, c.options), r);
        const { dx, dw, db } = conv2dBackward(r, x, w, c.options);
        expectGradient(dx!, loss, x);
        expectGradient(dw, loss, w);
        expectGradient(db, loss, b);
      }),
      SETTINGS,
    );
  });

  it('maxPool2d and avgPool2d: dx (any window, stride, padding, dilation, ceilMode, countIncludePad)', () => {
    fc.assert(
      fc.property(pool2dCase(), (c) => {
        // Distinct values: no ties, so the max is differentiable at the point.
        const x = seededTensor(c.xShape, c.seed, 'distinct');
        const forward = c.kind === 'max' ? () => maxPool2d(x, c.options) : () => avgPool2d(x, c.options);
        const y = forward();
        const r = seededTensor(y.shape, c.seed + 1);
        const { dx } = c.kind === 'max' ? maxPool2dBackward(r, x, c.options) : avgPool2dBackward(r, x, c.options);
        expectGradient(dx, () => dot(forward(), r), x);
      }),
      SETTINGS,
    );
  });

  it('linear: dx, dw, db', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (n, i, o, seed) => {
        const x = seededTensor([n, i], seed);
        const w = seededTensor([o, i], seed + 1);
        const b = seededTensor([o], seed + 2);
        const r = seededTensor([n, o], seed + 3);
        const loss = () => dot(linear(x, w, b), r);
        const { dx, dw, db } = linearBackward(r, x, w);
        expectGradient(dx!, loss, x);
        expectGradient(dw, loss, w);
        expectGradient(db, loss, b);
      }),
      SETTINGS,
    );
  });

  const shapes = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 6 }), fc.integer());
  const elementwise: Array<[string, (x: Tensor) => Tensor, (dy: Tensor, x: Tensor, y: Tensor) => Tensor, 'uniform' | 'distinct']> = [
    ['sigmoid', sigmoid, (dy, _x, y) => sigmoidBackward(dy, y).dx, 'uniform'],
    ['relu (away from 0)', relu, (dy, x) => reluBackward(dy, x).dx, 'distinct'],
    ['softmax', softmax, (dy, _x, y) => softmaxBackward(dy, y).dx, 'uniform'],
    ['logSoftmax', logSoftmax, (dy, _x, y) => logSoftmaxBackward(dy, y).dx, 'uniform'],
    ['flatten', flatten, (dy, x) => flattenBackward(dy, x.shape).dx, 'uniform'],
  ];
  for (const [name, forward, backward, kind] of elementwise) {
    it(`${name}: dx`, () => {
      fc.assert(
        fc.property(shapes, ([n, c, seed]) => {
          const x = seededTensor([n, c], seed, kind);
          const y = forward(x);
          const r = seededTensor(y.shape, seed + 1);
          expectGradient(backward(r, x, y), () => dot(forward(x), r), x);
        }),
        SETTINGS,
      );
    });
  }

  it('crossEntropy: dlogits', () => {
    fc.assert(
      fc.property(shapes, ([n, c, seed]) => {
        const logits = seededTensor([n, c], seed);
        const labels = Array.from({ length: n }, (_, k) => (seed + k * 7) % c < 0 ? 0 : Math.abs(seed + k * 7) % c);
        expectGradient(crossEntropyBackward(logits, labels).dlogits, () => crossEntropy(logits, labels), logits);
      }),
      SETTINGS,
    );
  });
});
