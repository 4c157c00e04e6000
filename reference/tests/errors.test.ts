// Bad input: every rejection names the operation, what it got and what would be valid.
import { describe, expect, it } from 'vitest';
import {
  accuracy, arange, avgPool2d, conv2d, conv2dBackward, corr2d, corr2dMultiIn, corr2dMultiInOut1x1, crossEntropy, linear,
  matmul, maxPool2d, OperatorInputError, pool2d, sgd, tensor, zeros, type Tensor,
} from '../index.ts';

const x = arange([1, 2, 5, 5]);
const w = zeros([3, 2, 3, 3]);

/** Asserts `call` throws an OperatorInputError for `op` whose message contains every fragment. */
function expectRejection(call: () => unknown, op: string, ...fragments: string[]): void {
  let caught: unknown;
  try {
    call();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected the call to throw').toBeInstanceOf(OperatorInputError);
  const error = caught as OperatorInputError;
  expect(error.op).toBe(op);
  expect(error.message.startsWith(`${op}: `)).toBe(true);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
}

describe('malformed tensors', () => {
  it('data length disagreeing with the shape', () => {
    const bad = { shape: [1, 2, 5, 5], data: new Float64Array(49) };
    expectRejection(() => conv2d(bad, w, null), 'conv2d', 'x.data has 49 elements', '[1, 2, 5, 5] needs 50');
  });
  it('a plain array as data', () => {
    const bad = { shape: [2], data: [1, 2] } as unknown as Tensor;
    expectRejection(() => linear(tensor([[1, 2]]), tensor([[1, 2]]), bad), 'linear', 'Float32Array or Float64Array', 'plain Array');
  });
  it('non-integer, zero or negative dimensions', () => {
    expectRejection(() => maxPool2d({ shape: [1, 1, 2.5, 2], data: new Float64Array(5) }, { kernelSize: 1 }), 'maxPool2d', 'positive integers');
    expectRejection(() => maxPool2d({ shape: [1, 0, 2, 2], data: new Float64Array(0) }, { kernelSize: 1 }), 'maxPool2d', 'positive integers');
  });
});

describe('conv2d', () => {
  it('wrong rank of x and of the weight', () => {
    expectRejection(() => conv2d(arange([5, 5]), w, null), 'conv2d', 'x must be 4-D [N, Cin, H, W]', 'got shape [5, 5]');
    expectRejection(() => conv2d(x, arange([3, 3]), null), 'conv2d', 'weight must be 4-D', 'got shape [3, 3]');
  });
  it('channel mismatch names both shapes and the weight shape that would fit', () => {
    expectRejection(() => conv2d(x, zeros([3, 1, 3, 3]), null), 'conv2d', 'channel mismatch', '[1, 2, 5, 5]', '[3, 2, 3, 3]', 'got [3, 1, 3, 3]');
  });
  it('groups that do not divide the channels', () => {
    expectRejection(() => conv2d(x, zeros([3, 1, 3, 3]), null, { groups: 2 }), 'conv2d', 'groups=2 must divide both Cin=2 and Cout=3');
    expectRejection(() => conv2d(x, w, null, { groups: 0 }), 'conv2d', 'groups must be a positive integer');
  });
  it('a kernel larger than the padded input', () => {
    expectRejection(() => conv2d(x, zeros([3, 2, 7, 3]), null), 'conv2d', 'window 7x3 is larger than the padded input 5x5', 'more padding');
    expectRejection(() => conv2d(x, w, null, { dilation: 3 }), 'conv2d', 'window 7x7');
  });
  it('zero, negative or non-integer stride and dilation; negative padding', () => {
    expectRejection(() => conv2d(x, w, null, { stride: 0 }), 'conv2d', 'stride must be a positive integer', 'got 0');
    expectRejection(() => conv2d(x, w, null, { stride: [1, 1.5] }), 'conv2d', 'stride', '[1,1.5]');
    expectRejection(() => conv2d(x, w, null, { dilation: -1 }), 'conv2d', 'dilation');
    expectRejection(() => conv2d(x, w, null, { padding: -1 }), 'conv2d', 'padding must be a non-negative integer', 'got -1');
    expectRejection(() => conv2d(x, w, null, { padding: { top: 1, bottom: 1, left: 1 } as never }), 'conv2d', 'exactly those four');
  });
  it('a bias of the wrong length, and unknown options', () => {
    expectRejection(() => conv2d(x, w, zeros([2]), {}), 'conv2d', 'bias must have shape [3]', 'got [2]');
    expectRejection(() => conv2d(x, w, null, { strides: 2 } as never), 'conv2d', "unknown option 'strides'", 'stride, padding, dilation, groups');
  });
  it('an upstream gradient of the wrong shape in the backward pass', () => {
    expectRejection(() => conv2dBackward(zeros([1, 3, 2, 2]), x, w), 'conv2dBackward', 'dy has shape [1, 3, 2, 2]', 'forward output is [1, 3, 3, 3]');
  });
});

describe('pooling', () => {
  it('kernelSize missing, zero or larger than the padded input', () => {
    expectRejection(() => maxPool2d(x, {} as never), 'maxPool2d', 'kernelSize is required');
    expectRejection(() => avgPool2d(x, { kernelSize: 0 }), 'avgPool2d', 'kernelSize must be a positive integer');
    expectRejection(() => avgPool2d(x, { kernelSize: 6 }), 'avgPool2d', 'larger than the padded input 5x5');
  });
  it('padding over half the window', () => {
    expectRejection(() => maxPool2d(x, { kernelSize: 2, padding: 2 }), 'maxPool2d', 'more than half the 2x2 window', 'at most 1');
  });
  it('options of the other pool are unknown here', () => {
    expectRejection(() => avgPool2d(x, { kernelSize: 2, dilation: 2 } as never), 'avgPool2d', "unknown option 'dilation'");
    expectRejection(() => maxPool2d(x, { kernelSize: 2, countIncludePad: false } as never), 'maxPool2d', "unknown option 'countIncludePad'");
  });
  it('non-boolean flags', () => {
    expectRejection(() => maxPool2d(x, { kernelSize: 2, ceilMode: 1 as never }), 'maxPool2d', 'ceilMode must be a boolean');
  });
  it("the chapter's pool2d: bad pool size and mode", () => {
    expectRejection(() => pool2d(arange([3, 3]), [4, 1]), 'pool2d', 'no larger than X [3, 3]');
    expectRejection(() => pool2d(arange([3, 3]), [2, 2], 'min' as never), 'pool2d', "mode must be 'max' or 'avg'");
  });
});

describe("the chapter's functions, matmul, linear, losses, sgd", () => {
  it('corr2d with a kernel larger than the image', () => {
    expectRejection(() => corr2d(arange([2, 2]), arange([3, 1])), 'corr2d', 'kernel K [3, 1] is larger than the image X [2, 2]');
  });
  it('corr2dMultiIn with a channel mismatch', () => {
    expectRejection(() => corr2dMultiIn(arange([2, 3, 3]), arange([3, 2, 2])), 'corr2dMultiIn', 'X [2, 3, 3] has 2 channels but K [3, 2, 2] has 3');
  });
  it('corr2dMultiInOut1x1 with a 3x3 kernel', () => {
    expectRejection(() => corr2dMultiInOut1x1(arange([2, 3, 3]), arange([1, 2, 3, 3])), 'corr2dMultiInOut1x1', 'use corr2dMultiInOut');
  });
  it('matmul and linear with mismatched inner dimensions', () => {
    expectRejection(() => matmul(arange([2, 3]), arange([2, 3])), 'matmul', 'A [2, 3] has 3 columns, B [2, 3] has 2 rows');
    expectRejection(() => linear(arange([4, 5]), arange([3, 6]), null), 'linear', 'x [4, 5] has 5 features', 'flatten');
  });
  it('labels out of range, non-integer, or of the wrong count', () => {
    const logits = zeros([2, 3]);
    expectRejection(() => crossEntropy(logits, [0, 3]), 'crossEntropy', 'labels[1] = 3', '[0, 2]');
    expectRejection(() => crossEntropy(logits, [0, 1.5]), 'crossEntropy', 'labels[1] = 1.5');
    expectRejection(() => accuracy(logits, [0]), 'accuracy', 'labels has 1 entries but logits [2, 3] has 2 rows');
  });
  it('sgd with a bad learning rate or mismatched gradients', () => {
    expectRejection(() => sgd([zeros([2])], [zeros([2])], NaN), 'sgd', 'lr must be a positive finite number');
    expectRejection(() => sgd([zeros([2])], [zeros([3])], 0.1), 'sgd', 'differ in shape');
  });
});
