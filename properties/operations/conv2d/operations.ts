/** conv2d and its backward: the answer and bound of each call, a valid call, the bad calls. */
import * as ref from '../../../reference/index.ts';
import { abs } from '../../tensorOps.ts';
import { sumOfProductsTolerance } from '../../tolerance.ts';
import { t, type OperationRecord } from '../family.ts';

type T = ref.Tensor;
const x4 = t([2, 3, 6, 6]);
const w4 = t([4, 3, 3, 3], 2);

export const conv2d: OperationRecord = {
  /** Each output is a sum of Cin/groups·kh·kw products and the bias. */
  expect([x, w, b, options], label = '') {
    const o = options as ref.Conv2dOptions | undefined;
    const bias = (b as T | null) ?? null;
    const g = ref.resolveConv2d('conv2d', (x as T).shape, (w as T).shape, bias && bias.shape, o);
    const absolute = ref.conv2d(abs(x as T), abs(w as T), bias && abs(bias), o);
    const bound = sumOfProductsTolerance(absolute.data, g.inChannelsPerGroup * g.kernelH * g.kernelW + 1);
    return [{ name: `${label}conv2d`, expected: ref.conv2d(x as T, w as T, bias, o), bound }];
  },
  sample: () => [x4, w4, t([4]), { padding: 1 }],
  badCalls: {
    'x of rank 3': [t([3, 6, 6]), w4, null],
    'weight channels differ from x': [x4, t([4, 2, 3, 3]), null],
    'kernel larger than the padded input': [x4, t([4, 3, 7, 7]), null, { padding: 0 }],
    'negative stride': [x4, w4, null, { stride: -1 }],
    'zero stride': [x4, w4, null, { stride: [1, 0] }],
    'non-integer padding': [x4, w4, null, { padding: 0.5 }],
    'negative padding side': [x4, w4, null, { padding: { top: 0, bottom: -1, left: 0, right: 0 } }],
    'unknown option name': [x4, w4, null, { strides: 2 }],
    'groups not dividing Cin': [x4, t([4, 1, 3, 3]), null, { groups: 2 }],
    'bias of the wrong length': [x4, w4, t([3]), {}],
    'data length not matching the shape': [{ shape: [2, 3, 6, 6], data: new Float32Array(10) }, w4, null],
    'plain array data': [{ shape: [1, 1, 2, 2], data: [1, 2, 3, 4] }, t([1, 1, 1, 1]), null],
  },
};

export const conv2dBackward: OperationRecord = {
  /**
   * dx sums Cout/groups·kh·kw products per element; dw and db sum over every output position of the
   * batch. With `inputGradient: false` dx may be null (skipped) or a dx judged like any other.
   */
  expect([dy, x, w, options], label = '') {
    const { inputGradient = true, ...o } = (options ?? {}) as ref.Conv2dBackwardOptions;
    const g = ref.resolveConv2d('conv2d', (x as T).shape, (w as T).shape, null, o);
    const want = ref.conv2dBackward(dy as T, x as T, w as T, o);
    const absolute = ref.conv2dBackward(abs(dy as T), abs(x as T), abs(w as T), o);
    const positions = g.batch * g.outH * g.outW;
    return ([['dx', g.outChannelsPerGroup * g.kernelH * g.kernelW], ['dw', positions], ['db', positions]] as const).map(([part, terms]) =>
      ({ name: `${label}conv2dBackward ${part}`, part, expected: want[part]!, bound: sumOfProductsTolerance(absolute[part]!.data, terms), mayBeNull: part === 'dx' && !inputGradient }));
  },
  sample: () => [t([2, 4, 6, 6]), x4, w4, { padding: 1 }],
  badCalls: {
    'dy of the wrong shape': [t([2, 4, 5, 5]), x4, w4],
    'inputGradient not a boolean': [t([2, 4, 6, 6]), x4, w4, { padding: 1, inputGradient: 0 }],
  },
};
