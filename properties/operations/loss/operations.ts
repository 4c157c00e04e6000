/** The softmax cross-entropy loss, its gradient and accuracy: the answer and bound of each call, a valid call, the bad calls. */
import * as ref from '../../../reference/index.ts';
import { flushSubnormals } from '../../tensors.ts';
import { crossEntropyBackwardTolerance, crossEntropyTolerance } from '../../tolerance.ts';
import { flushed, hasSubnormal, t, type OperationRecord } from '../family.ts';

type T = ref.Tensor;
const logits = t([2, 3]);

export const crossEntropy: OperationRecord = {
  expect([l, labels], label = '') {
    const x = l as T;
    const y = labels as ref.Labels;
    const bound = crossEntropyTolerance(x.data, y, x.shape[1], ref.logSoftmax(x).data);
    return [{ name: `${label}crossEntropy`, expected: ref.crossEntropy(x, y), bound, orExpected: hasSubnormal(x) ? ref.crossEntropy(flushSubnormals(x), y) : undefined }];
  },
  sample: () => [t([2, 5]), [0, 4]],
  badCalls: {
    'label out of range': [logits, [0, 3]],
    'non-integer label': [logits, [0, 1.5]],
    'label count differs from the batch': [logits, [0]],
  },
};

export const crossEntropyBackward: OperationRecord = {
  expect([l, labels], label = '') {
    const x = l as T;
    const f = (v: T) => ref.crossEntropyBackward(v, labels as ref.Labels).dlogits;
    const want = f(x);
    const bound = crossEntropyBackwardTolerance(x.data, ref.softmax(x).data, want.data, x.shape[1]);
    return [{ name: `${label}crossEntropyBackward dlogits`, part: 'dlogits', expected: want, bound, ...flushed(want, f, x) }];
  },
  sample: () => [t([2, 5]), [1, 2]],
  badCalls: {},
};

export const accuracy: OperationRecord = {
  /** Ties go to the first maximum; on flushing hardware, subnormal logits compare as zeros. */
  expect([l, labels], label = '') {
    const x = l as T;
    const y = labels as ref.Labels;
    return [{ name: `${label}accuracy (ties to the first maximum)`, expected: ref.accuracy(x, y), bound: 0, orExpected: hasSubnormal(x) ? ref.accuracy(flushSubnormals(x), y) : undefined }];
  },
  sample: () => [t([2, 5]), Int32Array.of(3, 3)],
  badCalls: {},
};
