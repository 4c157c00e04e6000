/** Max and average pooling, forward and backward: the answer and bound of each call, a valid call, the bad calls. */
import * as ref from '../../../reference/index.ts';
import { abs } from '../../tensorOps.ts';
import { sumOfProductsTolerance } from '../../tolerance.ts';
import { t, type Expectation, type OperationRecord } from '../family.ts';

type T = ref.Tensor;
const x4 = t([2, 3, 6, 6]);

/**
 * A pool's dx: each cell gathers the gradients of the windows it belongs to (max: those it wins),
 * at most kh*kw of them, a sum whose absolute value is the backward run on |dy|.
 */
function poolBackward(op: 'maxPool2d' | 'avgPool2d', dy: T, x: T, options: ref.MaxPool2dOptions & ref.AvgPool2dOptions, label: string): Expectation[] {
  const backward = op === 'maxPool2d' ? ref.maxPool2dBackward : ref.avgPool2dBackward;
  const g = ref.resolvePool2d(op, x.shape, options, op === 'maxPool2d' ? ref.MAX_POOL2D_OPTIONS : ref.AVG_POOL2D_OPTIONS);
  const bound = sumOfProductsTolerance(backward(abs(dy), x, options).dx.data, g.kernelH * g.kernelW);
  return [{ name: `${label}${op}Backward dx`, part: 'dx', expected: backward(dy, x, options).dx, bound }];
}

export const maxPool2d: OperationRecord = {
  /** A maximum is one of the inputs: exact. */
  expect: ([x, options], label = '') => [{ name: `${label}maxPool2d`, expected: ref.maxPool2d(x as T, options as ref.MaxPool2dOptions), bound: 0 }],
  sample: () => [x4, { kernelSize: 2 }],
  badCalls: {
    'padding over half the window': [x4, { kernelSize: 2, padding: 2 }],
    'missing kernelSize': [x4, {}],
    'x of rank 2': [t([6, 6]), { kernelSize: 2 }],
  },
};

export const maxPool2dBackward: OperationRecord = {
  expect: ([dy, x, options], label = '') => poolBackward('maxPool2d', dy as T, x as T, options as ref.MaxPool2dOptions, label),
  sample: () => [t([2, 3, 3, 3]), x4, { kernelSize: 2 }],
  badCalls: {},
};

export const avgPool2d: OperationRecord = {
  /** A sum of kh·kw values, divided. */
  expect([x, options], label = '') {
    const o = options as ref.AvgPool2dOptions;
    const g = ref.resolvePool2d('avgPool2d', (x as T).shape, o, ref.AVG_POOL2D_OPTIONS);
    const bound = sumOfProductsTolerance(ref.avgPool2d(abs(x as T), o).data, g.kernelH * g.kernelW);
    return [{ name: `${label}avgPool2d`, expected: ref.avgPool2d(x as T, o), bound }];
  },
  sample: () => [x4, { kernelSize: 3, stride: 1, countIncludePad: false }],
  badCalls: {
    'window larger than the input': [x4, { kernelSize: 7 }],
    'dilation is not an avgPool2d option': [x4, { kernelSize: 2, dilation: 2 }],
  },
};

export const avgPool2dBackward: OperationRecord = {
  expect: ([dy, x, options], label = '') => poolBackward('avgPool2d', dy as T, x as T, options as ref.AvgPool2dOptions, label),
  sample: () => [t([2, 3, 4, 4]), x4, { kernelSize: 3, stride: 1 }],
  badCalls: {
    'dy of the wrong shape': [t([2, 3, 2, 2]), x4, { kernelSize: 2 }],
  },
};
