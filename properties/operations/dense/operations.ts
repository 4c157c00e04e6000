/** matmul, linear and its backward, flatten and its backward: the answer and bound of each call, a valid call, the bad calls. */
import * as ref from '../../../reference/index.ts';
import { abs } from '../../tensorOps.ts';
import { sumOfProductsTolerance } from '../../tolerance.ts';
import { t, type OperationRecord } from '../family.ts';

type T = ref.Tensor;

export const matmul: OperationRecord = {
  expect([A, B], label = '') {
    const bound = sumOfProductsTolerance(ref.matmul(abs(A as T), abs(B as T)).data, (A as T).shape[1]);
    return [{ name: `${label}matmul`, expected: ref.matmul(A as T, B as T), bound }];
  },
  sample: () => [t([2, 3]), t([3, 4])],
  badCalls: {
    'inner sizes differ': [t([2, 3]), t([4, 2])],
  },
};

export const linear: OperationRecord = {
  expect([x, w, b], label = '') {
    const bias = (b as T | null) ?? null;
    const bound = sumOfProductsTolerance(ref.linear(abs(x as T), abs(w as T), bias && abs(bias)).data, (w as T).shape[1] + 1);
    return [{ name: `${label}linear`, expected: ref.linear(x as T, w as T, bias), bound }];
  },
  sample: () => [t([2, 3]), t([4, 3]), null],
  badCalls: {
    'in-features differ': [t([2, 5]), t([3, 4]), null],
  },
};

export const linearBackward: OperationRecord = {
  expect([dy, x, w], label = '') {
    const want = ref.linearBackward(dy as T, x as T, w as T);
    const absolute = ref.linearBackward(abs(dy as T), abs(x as T), abs(w as T));
    const batch = (x as T).shape[0];
    return ([['dx', (w as T).shape[0]], ['dw', batch], ['db', batch]] as const).map(([part, terms]) =>
      ({ name: `${label}linearBackward ${part}`, part, expected: want[part], bound: sumOfProductsTolerance(absolute[part].data, terms) }));
  },
  sample: () => [t([2, 4]), t([2, 3]), t([4, 3])],
  badCalls: {
    'dy of the wrong shape': [t([2, 4]), t([2, 5]), t([3, 5])],
  },
};

export const flatten: OperationRecord = {
  /** Moves values: exact. */
  expect: ([x], label = '') => [{ name: `${label}flatten`, expected: ref.flatten(x as T), bound: 0 }],
  sample: () => [t([2, 3, 6, 6])],
  badCalls: {},
};

export const flattenBackward: OperationRecord = {
  expect: ([dy, shape], label = '') => [{ name: `${label}flattenBackward dx`, part: 'dx', expected: ref.flattenBackward(dy as T, shape as number[]).dx, bound: 0 }],
  sample: () => [t([2, 108]), [2, 3, 6, 6]],
  badCalls: {
    'dy not matching the input shape': [t([2, 5]), [2, 3, 2]],
  },
};
