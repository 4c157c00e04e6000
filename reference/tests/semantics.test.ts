// PyTorch semantics the chapter does not print but users rely on: ceil mode, counting padding,
// asymmetric padding, dilation, groups, tie-breaking and NaN. Expected values are worked by hand
// from PyTorch's documented rules (the derivation is in each comment).
import { describe, expect, it } from 'vitest';
import {
  accuracy, arange, avgPool2d, conv2d, crossEntropy, fromFlat, logSoftmax, maxPool2d, maxPool2dBackward, outputSize,
  relu, sigmoid, softmax, tensor, toNested, zeros,
} from '../index.ts';

describe('pooling: ceilMode and countIncludePad', () => {
  const X5 = arange([1, 1, 5, 5]);
  it('maxPool2d k2 s2 ceilMode on 5x5 keeps the partial last window: 3x3', () => {
    expect(toNested(maxPool2d(X5, { kernelSize: 2, ceilMode: true }))).toEqual([[[[6, 8, 9], [16, 18, 19], [21, 23, 24]]]]);
    expect(maxPool2d(X5, { kernelSize: 2 }).shape).toEqual([1, 1, 2, 2]);
  });
  it('avgPool2d k2 s2 ceilMode divides a partial window by its real size (overhang past the input is not counted)', () => {
    // window (0, 2) covers x[0..1, 4] = 4, 9 -> 6.5; window (2, 2) covers x[4, 4] = 24 alone.
    const Y = avgPool2d(X5, { kernelSize: 2, ceilMode: true });
    expect(toNested(Y)).toEqual([[[[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]]]]);
  });
  it('avgPool2d k3 s2 p1 counts padding by default and not with countIncludePad: false', () => {
    const X4 = arange([1, 1, 4, 4]);
    // corner window covers 0, 1, 4, 5 (sum 10) of 9 cells
    expect(avgPool2d(X4, { kernelSize: 3, stride: 2, padding: 1 }).data[0]).toBeCloseTo(10 / 9, 14);
    expect(avgPool2d(X4, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }).data[0]).toBe(2.5);
  });
  it('ceil mode keeps a last window that starts inside the input and drops one that starts in the trailing padding', () => {
    // n=4, k=2, s=2, p=1: ceil((4+2-1-1)/2)+1 = 3 windows, starting at -1, 1, 3 (3 < n + padBegin = 5): kept.
    expect(outputSize(4, 2, 2, 1, 1, 1, true)).toBe(3);
    // n=5, k=3, s=3, p=1: ceil((5+2-2-1)/3)+1 = 3, but the third would start at 2*3-1 = 5, past the input: 2.
    expect(outputSize(5, 3, 3, 1, 1, 1, true)).toBe(2);
    expect(outputSize(5, 3, 3, 1, 1, 1, false)).toBe(2);
    // n=5, k=2, s=4, p=1: ceil(5/4)+1 = 3, the third would start at 7 >= 6: 2.
    expect(outputSize(5, 2, 4, 1, 1, 1, true)).toBe(2);
    // n=5, k=2, s=2, p=0: floor gives 2, ceil gives 3 (the third starts at 4, inside).
    expect([outputSize(5, 2, 2, 0, 0, 1, false), outputSize(5, 2, 2, 0, 0, 1, true)]).toEqual([2, 3]);
  });
});

describe('maxPool2d: ties, NaN and dilation', () => {
  it('a tie goes to the first maximum in row-major order, also in the backward pass', () => {
    const x = fromFlat([1, 1, 2, 2], [3, 3, 3, 3]);
    const { dx } = maxPool2dBackward(fromFlat([1, 1, 1, 1], [1]), x, { kernelSize: 2 });
    expect(Array.from(dx.data)).toEqual([1, 0, 0, 0]);
  });
  it('NaN propagates (a NaN in the window makes the output NaN)', () => {
    const x = fromFlat([1, 1, 2, 2], [1, NaN, 5, 2]);
    expect(Number.isNaN(maxPool2d(x, { kernelSize: 2 }).data[0])).toBe(true);
  });
  it('dilation 2 samples every other cell', () => {
    expect(toNested(maxPool2d(arange([1, 1, 4, 4]), { kernelSize: 2, stride: 1, dilation: 2 }))).toEqual([
      [[[10, 11], [14, 15]]],
    ]);
  });
});

describe('conv2d: asymmetric padding, dilation, groups', () => {
  it('asymmetric padding {top 1, bottom 0, left 0, right 2} shifts and widens the output', () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    const w = tensor([[[[1]]]]);
    expect(toNested(conv2d(x, w, null, { padding: { top: 1, bottom: 0, left: 0, right: 2 } }))).toEqual([
      [[[0, 0, 0, 0], [1, 2, 0, 0], [3, 4, 0, 0]]],
    ]);
  });
  it('dilation 2 with a 2x2 kernel of ones sums the corners of a 3x3 window', () => {
    const y = conv2d(arange([1, 1, 3, 3]), tensor([[[[1, 1], [1, 1]]]]), null, { dilation: 2 });
    expect(toNested(y)).toEqual([[[[0 + 2 + 6 + 8]]]]);
  });
  it('groups=2 keeps channel groups apart (depthwise when groups = Cin)', () => {
    const x = fromFlat([1, 2, 1, 1], [3, 5]);
    const w = fromFlat([2, 1, 1, 1], [10, 100]);
    expect(Array.from(conv2d(x, w, fromFlat([2], [1, 2]), { groups: 2 }).data)).toEqual([31, 502]);
  });
});

describe('activations and loss', () => {
  it('sigmoid is stable at the extremes', () => {
    const y = sigmoid(fromFlat([4], [-1000, -30, 0, 1000]));
    expect(y.data[0]).toBe(0);
    expect(y.data[1]).toBeCloseTo(9.357622968840175e-14, 25);
    expect(y.data[2]).toBe(0.5);
    expect(y.data[3]).toBe(1);
  });
  it('relu zeroes negatives and keeps NaN', () => {
    const y = relu(fromFlat([3], [-2, 3, NaN]));
    expect(y.data[0]).toBe(0);
    expect(y.data[1]).toBe(3);
    expect(Number.isNaN(y.data[2])).toBe(true);
  });
  it('softmax and logSoftmax survive logits of 1000', () => {
    const logits = tensor([[1000, 1000, 0]]);
    expect(Array.from(softmax(logits).data)).toEqual([0.5, 0.5, 0]);
    // 1000 + log 2 keeps ~13 significant digits of log 2 in float64.
    expect(logSoftmax(logits).data[0]).toBeCloseTo(-Math.LN2, 12);
  });
  it('crossEntropy is the mean negative log-probability of the label', () => {
    const logits = tensor([[0, 0], [1000, 0]]);
    expect(crossEntropy(logits, [0, 0])).toBeCloseTo(Math.LN2 / 2, 14);
    expect(crossEntropy(logits, [1, 1])).toBeCloseTo((Math.LN2 + 1000) / 2, 10);
  });
  it('accuracy is the fraction of rows whose first maximum is the label', () => {
    expect(accuracy(tensor([[1, 2], [5, 5], [0, -1]]), [1, 0, 1])).toBeCloseTo(2 / 3, 15);
    expect(accuracy(zeros([1, 3]), [0])).toBe(1);
  });
});
