// Every value the chapter (../shared/seeds/) prints, reproduced by the reference operators.
import { describe, expect, it } from 'vitest';
import {
  arange, chapterOutputSize, conv2d, convolve2d, corr2d, corr2dAsMatmul, corr2dMultiIn, corr2dMultiInOut,
  corr2dMultiInOut1x1, createRandom, fromFlat, maxPool2d, pool2d, reshape,
  tensor, toNested, zeros, type Tensor,
} from '../index.ts';
import { LENET, layerName, parameterCount } from '../../fixtures/lenet/architecture.ts';
import { forward, initParameters } from '../../fixtures/lenet/model.ts';
import { createReferenceBackend } from '../../kernels/referenceBackend.ts';

/** The chapter's 6x8 image: ones, with columns 2..5 black. */
function edgeImage(): Tensor {
  const X = tensor(Array.from({ length: 6 }, () => [1, 1, 0, 0, 0, 0, 1, 1]));
  return X;
}

function transpose(X: Tensor): Tensor {
  const [h, w] = X.shape;
  const T = zeros([w, h]);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) T.data[j * h + i] = X.data[i * w + j];
  return T;
}

function eye(n: number): Tensor {
  const I = zeros([n, n]);
  for (let i = 0; i < n; i++) I.data[i * n + i] = 1;
  return I;
}

function randomTensor(shape: number[], seed: number): Tensor {
  const random = createRandom(seed);
  return fromFlat(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.normal()));
}

describe('6.2 cross-correlation', () => {
  it('corr2d of the 3x3 input and 2x2 kernel is [[19, 25], [37, 43]]', () => {
    const X = tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    const K = tensor([[0, 1], [2, 3]]);
    expect(toNested(corr2d(X, K))).toEqual([[19, 25], [37, 43]]);
  });

  it('corr2d of the 5x5 input and 3x3 kernel is [[12, 12, 17], [10, 17, 19], [9, 6, 14]]', () => {
    const X = tensor([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]);
    const K = tensor([[0, 1, 2], [2, 2, 0], [0, 1, 2]]);
    expect(toNested(corr2d(X, K))).toEqual([[12, 12, 17], [10, 17, 19], [9, 6, 14]]);
  });

  it('the [1, -1] kernel finds the vertical edges of the 6x8 image', () => {
    const Y = corr2d(edgeImage(), tensor([[1, -1]]));
    expect(toNested(Y)).toEqual(Array.from({ length: 6 }, () => [0, 1, 0, 0, 0, -1, 0]));
  });

  it('on the transposed image the same kernel sees nothing (8x5 zeros)', () => {
    const Y = corr2d(transpose(edgeImage()), tensor([[1, -1]]));
    expect(Y.shape).toEqual([8, 5]);
    expect(Array.from(Y.data).every((v) => v === 0)).toBe(true);
  });

  it('exercise 1: the diagonal image eye(8) with K gives 1 on the diagonal, -1 below it', () => {
    const Y = corr2d(eye(8), tensor([[1, -1]]));
    const expected = Array.from({ length: 8 }, (_, i) =>
      Array.from({ length: 7 }, (_, j) => (i === j ? 1 : i === j + 1 ? -1 : 0)),
    );
    expect(toNested(Y)).toEqual(expected);
    // Transposing the symmetric eye(8) changes nothing.
    expect(toNested(corr2d(transpose(eye(8)), tensor([[1, -1]])))).toEqual(expected);
  });

  it('exercise 1: eye(8) with Kᵀ gives 1 on the diagonal, -1 right of it (7x8)', () => {
    const Y = corr2d(eye(8), tensor([[1], [-1]]));
    const expected = Array.from({ length: 7 }, (_, i) =>
      Array.from({ length: 8 }, (_, j) => (i === j ? 1 : j === i + 1 ? -1 : 0)),
    );
    expect(toNested(Y)).toEqual(expected);
  });

  it('strict convolution flips the kernel: convolve2d(X, [[0, 1], [2, 3]]) = [[5, 11], [23, 29]]', () => {
    const X = tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    expect(toNested(convolve2d(X, tensor([[0, 1], [2, 3]])))).toEqual([[5, 11], [23, 29]]);
    expect(toNested(corr2d(X, tensor([[3, 2], [1, 0]])))).toEqual([[5, 11], [23, 29]]);
  });

  it('exercise 3: cross-correlation as a matrix product gives [[4]] for the 2x3 example', () => {
    const X = tensor([[1, 0, 1], [1, 0, 1]]);
    const K = tensor([[1, 1, 1], [1, 1, 1]]);
    expect(toNested(corr2dAsMatmul(X, K))).toEqual([[4]]);
    expect(toNested(corr2dAsMatmul(tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), tensor([[0, 1], [2, 3]])))).toEqual([
      [19, 25],
      [37, 43],
    ]);
  });
});

describe('6.3 padding and stride: output shapes', () => {
  const X = randomTensor([1, 1, 8, 8], 1);
  const cases: Array<{ name: string; k: [number, number]; padding: [number, number]; stride: [number, number]; out: number[] }> = [
    { name: 'k3 p1', k: [3, 3], padding: [1, 1], stride: [1, 1], out: [8, 8] },
    { name: 'k(5,3) p(2,1)', k: [5, 3], padding: [2, 1], stride: [1, 1], out: [8, 8] },
    { name: 'k3 p1 s2', k: [3, 3], padding: [1, 1], stride: [2, 2], out: [4, 4] },
    { name: 'k(3,5) p(0,1) s(3,4)', k: [3, 5], padding: [0, 1], stride: [3, 4], out: [2, 2] },
    { name: 'k(5,3) p(2,1) s2 (second notebook)', k: [5, 3], padding: [2, 1], stride: [2, 2], out: [4, 4] },
  ];
  for (const c of cases) {
    it(`8x8 input, ${c.name} gives ${c.out.join('x')}`, () => {
      const w = randomTensor([1, 1, ...c.k], 2);
      const Y = conv2d(X, w, zeros([1]), { padding: c.padding, stride: c.stride });
      expect(Y.shape).toEqual([1, 1, ...c.out]);
      // The chapter's formula floor((n - k + p + s) / s), p the total padding, agrees.
      expect([0, 1].map((a) => chapterOutputSize(8, c.k[a], 2 * c.padding[a], c.stride[a]))).toEqual(c.out);
    });
  }
});

describe('6.4 multiple input and output channels', () => {
  const X = tensor([[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]);
  const K = tensor([[[0, 1], [2, 3]], [[1, 2], [3, 4]]]);

  it('two input channels give [[56, 72], [104, 120]]', () => {
    expect(toNested(corr2dMultiIn(X, K))).toEqual([[56, 72], [104, 120]]);
  });

  it('stacking K, K+1, K+2 gives three output channels', () => {
    const K3 = fromFlat([3, 2, 2, 2], [0, 1, 2].flatMap((d) => Array.from(K.data, (v) => v + d)));
    expect(K3.shape).toEqual([3, 2, 2, 2]);
    expect(toNested(corr2dMultiInOut(X, K3))).toEqual([
      [[56, 72], [104, 120]],
      [[76, 100], [148, 172]],
      [[96, 128], [192, 224]],
    ]);
    // The batched layer computes the same thing.
    expect(toNested(conv2d(reshape(X, [1, 2, 3, 3]), K3, null))).toEqual([toNested(corr2dMultiInOut(X, K3))]);
  });

  it('1x1 convolution as a matmul equals the general path (random normal 3x3x3 input, 2x3x1x1 kernel)', () => {
    const X1 = randomTensor([3, 3, 3], 3);
    const K1 = randomTensor([2, 3, 1, 1], 4);
    const Y1 = corr2dMultiInOut1x1(X1, K1);
    const Y2 = corr2dMultiInOut(X1, K1);
    const total = Array.from(Y1.data).reduce((s, v, i) => s + Math.abs(v - Y2.data[i]), 0);
    expect(total).toBeLessThan(1e-6); // the chapter's own check
    expect(Y1.shape).toEqual([2, 3, 3]);
  });
});

describe('6.5 pooling', () => {
  const X = tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  it('pool2d max 2x2 gives [[4, 5], [7, 8]]', () => {
    expect(toNested(pool2d(X, [2, 2]))).toEqual([[4, 5], [7, 8]]);
  });
  it('pool2d avg 2x2 gives [[2, 3], [5, 6]]', () => {
    expect(toNested(pool2d(X, [2, 2], 'avg'))).toEqual([[2, 3], [5, 6]]);
  });

  const X16 = arange([1, 1, 4, 4]);
  it('MaxPool2d(3) on arange(16) gives [[[[10]]]]', () => {
    expect(toNested(maxPool2d(X16, { kernelSize: 3 }))).toEqual([[[[10]]]]);
  });
  it('MaxPool2d(3, padding=1, stride=2) gives [[5, 7], [13, 15]]', () => {
    expect(toNested(maxPool2d(X16, { kernelSize: 3, padding: 1, stride: 2 }))).toEqual([[[[5, 7], [13, 15]]]]);
  });
  it('MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1)) gives [[5, 7], [13, 15]]', () => {
    expect(toNested(maxPool2d(X16, { kernelSize: [2, 3], stride: [2, 3], padding: [0, 1] }))).toEqual([
      [[[5, 7], [13, 15]]],
    ]);
  });
  it('two channels (X, X + 1) pool separately: [1, 2, 2, 2] with [[5, 7], [13, 15]] and [[6, 8], [14, 16]]', () => {
    const X2 = fromFlat([1, 2, 4, 4], [...X16.data, ...X16.data.map((v) => v + 1)]);
    const Y = maxPool2d(X2, { kernelSize: 3, padding: 1, stride: 2 });
    expect(Y.shape).toEqual([1, 2, 2, 2]);
    expect(toNested(Y)).toEqual([[[[5, 7], [13, 15]], [[6, 8], [14, 16]]]]);
  });
});

describe('6.6 LeNet', () => {
  it('layer output shapes for a 1x1x28x28 input match the chapter', async () => {
    const random = createRandom(0);
    const X = fromFlat([1, 1, 28, 28], Array.from({ length: 784 }, () => random.uniform()));
    const printed = (await forward(createReferenceBackend(), X, initParameters(random))).map(
      (output, k) => `${layerName(LENET[k])} output shape: [${output.shape.join(', ')}]`,
    );
    expect(printed).toEqual([
      'Conv2d output shape: [1, 6, 28, 28]',
      'Sigmoid output shape: [1, 6, 28, 28]',
      'AvgPool2d output shape: [1, 6, 14, 14]',
      'Conv2d output shape: [1, 16, 10, 10]',
      'Sigmoid output shape: [1, 16, 10, 10]',
      'AvgPool2d output shape: [1, 16, 5, 5]',
      'Flatten output shape: [1, 400]',
      'Linear output shape: [1, 120]',
      'Sigmoid output shape: [1, 120]',
      'Linear output shape: [1, 84]',
      'Sigmoid output shape: [1, 84]',
      'Linear output shape: [1, 10]',
    ]);
  });

  it('parameter counts are 156, 2416, 48120, 10164, 850; total 61,706', () => {
    const counts = LENET.map(parameterCount).filter((c) => c > 0);
    expect(counts).toEqual([156, 2416, 48120, 10164, 850]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(61706);
  });
});
