/** sgd: the answer and bound of a step, a valid call, the bad calls. */
import * as ref from '../../../reference/index.ts';
import { sgdTolerance } from '../../tolerance.ts';
import { t, type OperationRecord } from '../family.ts';

type T = ref.Tensor;

export const sgd: OperationRecord = {
  /** args: the parameters as they were before the call, the gradients, lr; the result: the parameters after it. */
  expect([before, grads, lr], label = '') {
    const params = before as T[];
    return params.map((p, i) => {
      const step = Float64Array.from((grads as T[])[i].data, (g) => (lr as number) * g);
      const expected = ref.fromFlat(p.shape, Float64Array.from(p.data, (v, j) => v - step[j]));
      const bound = sgdTolerance(expected.data, step);
      return { name: params.length === 1 ? `${label}sgd` : `${label}sgd parameter ${i}`, part: i, expected, bound };
    });
  },
  sample: () => [[t([3])], [t([3], 2)], 0.1],
  badCalls: {
    'parameter and gradient shapes differ': [[t([3])], [t([4])], 0.1],
    'negative learning rate': [[t([3])], [t([3])], -1],
  },
};
