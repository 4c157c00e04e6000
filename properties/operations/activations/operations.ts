/** sigmoid, relu, softmax and logSoftmax, forward and backward: the answer and bound of each call, a valid call, the bad calls. */
import * as ref from '../../../reference/index.ts';
import { abs } from '../../tensorOps.ts';
import {
  logSoftmaxBackwardTolerance, logSoftmaxTolerance, productTolerance, sigmoidTolerance, softmaxBackwardTolerance, softmaxTolerance,
} from '../../tolerance.ts';
import { flushed, t, type OperationRecord } from '../family.ts';

type T = ref.Tensor;
const x4 = t([2, 3, 6, 6]);
const rows = t([2, 5]);

export const sigmoid: OperationRecord = {
  expect([x], label = '') {
    const want = ref.sigmoid(x as T);
    return [{ name: `${label}sigmoid`, expected: want, bound: sigmoidTolerance((x as T).data, want.data), ...flushed(want, ref.sigmoid, x as T) }];
  },
  sample: () => [x4],
  badCalls: {},
};

export const sigmoidBackward: OperationRecord = {
  /** dy·y·(1 - y): three roundings. */
  expect([dy, y], label = '') {
    const f = (d: T, out: T) => ref.sigmoidBackward(d, out).dx;
    const want = f(dy as T, y as T);
    const bound = productTolerance(f(abs(dy as T), abs(y as T)).data, 3);
    return [{ name: `${label}sigmoidBackward dx`, part: 'dx', expected: want, bound, ...flushed(want, f, dy as T, y as T) }];
  },
  sample: () => [x4, x4],
  badCalls: {
    'dy of a different shape': [t([2, 3]), t([3, 2])],
  },
};

export const relu: OperationRecord = {
  expect([x], label = '') {
    const want = ref.relu(x as T);
    return [{ name: `${label}relu`, expected: want, bound: 0, ...flushed(want, ref.relu, x as T) }];
  },
  sample: () => [x4],
  badCalls: {},
};

export const reluBackward: OperationRecord = {
  expect([dy, x], label = '') {
    const f = (d: T, input: T) => ref.reluBackward(d, input).dx;
    const want = f(dy as T, x as T);
    return [{ name: `${label}reluBackward dx`, part: 'dx', expected: want, bound: 0, ...flushed(want, f, dy as T, x as T) }];
  },
  sample: () => [x4, x4],
  badCalls: {
    'dy of a different shape': [t([2, 3]), t([2, 4])],
  },
};

export const softmax: OperationRecord = {
  expect([x], label = '') {
    const want = ref.softmax(x as T);
    return [{ name: `${label}softmax`, expected: want, bound: softmaxTolerance((x as T).data, want.data, (x as T).shape[1]), ...flushed(want, ref.softmax, x as T) }];
  },
  sample: () => [rows],
  badCalls: {
    'rank 1': [t([5])],
  },
};

export const softmaxBackward: OperationRecord = {
  expect([dy, y], label = '') {
    const f = (d: T, out: T) => ref.softmaxBackward(d, out).dx;
    const want = f(dy as T, y as T);
    const bound = softmaxBackwardTolerance((dy as T).data, (y as T).data, (y as T).shape[1]);
    return [{ name: `${label}softmaxBackward dx`, part: 'dx', expected: want, bound, ...flushed(want, f, dy as T, y as T) }];
  },
  sample: () => [rows, rows],
  badCalls: {
    'dy of a different shape': [t([2, 3]), t([2, 4])],
  },
};

export const logSoftmax: OperationRecord = {
  expect([x], label = '') {
    const want = ref.logSoftmax(x as T);
    return [{ name: `${label}logSoftmax`, expected: want, bound: logSoftmaxTolerance((x as T).data, want.data, (x as T).shape[1]), ...flushed(want, ref.logSoftmax, x as T) }];
  },
  sample: () => [rows],
  badCalls: {},
};

export const logSoftmaxBackward: OperationRecord = {
  expect([dy, y], label = '') {
    const f = (d: T, out: T) => ref.logSoftmaxBackward(d, out).dx;
    const want = f(dy as T, y as T);
    const bound = logSoftmaxBackwardTolerance((dy as T).data, (y as T).data, want.data, (y as T).shape[1]);
    return [{ name: `${label}logSoftmaxBackward dx`, part: 'dx', expected: want, bound, ...flushed(want, f, dy as T, y as T) }];
  },
  sample: () => [rows, rows],
  badCalls: {
    'dy of a different shape': [t([3, 3]), t([2, 3])],
  },
};
