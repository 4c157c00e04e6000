/**
 * The chapter's laws of convolution, stated on a backend's own operations. Values are small integers,
 * so every sum is exact in float32 and the laws hold with equality: no tolerance to hide behind.
 */
import fc from 'fast-check';
import * as ref from '../../../reference/index.ts';
import type { Backend } from '../../../kernels/backend.ts';
import { conv2dCase, type Conv2dCase } from '../../arbitraries/conv2dCase.ts';
import { ANY_DTYPE, assertEqual } from '../../compare.ts';
import { defineProperty } from '../../property.ts';
import { axpby, concatChannels, cropHW, flipHW, imageOf, sliceChannels, transposedOptions, transposeHW } from '../../tensorOps.ts';
import { float32Tensor } from '../../tensors.ts';

const int = (min: number, max: number) => fc.integer({ min, max });
const integers = (shape: readonly number[], seed: number) => float32Tensor(shape, seed, 'integer');
/** The case's integer-valued x, w and (if any) b. */
function integerInputs(c: Conv2dCase) {
  return {
    x: integers(c.xShape, c.seed),
    w: integers(c.weightShape, c.seed + 1),
    b: c.hasBias ? integers([c.weightShape[0]], c.seed + 2) : null,
  };
}
const ungrouped = conv2dCase({ maxGroups: 1 });
const row = (t: ref.Tensor, n: number) => ref.reshape(imageOf(t, n), t.shape.slice(1));
/** Weight `o` of `[Cout, ...]` as a `[1, ...]` weight. */
const outputChannel = (w: ref.Tensor, o: number) => imageOf(w, o);

export const conv1x1EqualsMatmul = defineProperty({
  id: 'law-conv1x1-equals-matmul',
  kind: 'law',
  uses: ['conv2d', 'matmul'],
  statement: '1x1 convolution is a matrix product over channels: conv2d(x, w)[n] = w[Cout, Cin] · x[n][Cin, H*W]',
  arbitrary: fc.record({ batch: int(1, 2), cin: int(1, 5), cout: int(1, 5), h: int(1, 6), w: int(1, 6), seed: fc.integer() }),
  async check(backend, c) {
    const x = integers([c.batch, c.cin, c.h, c.w], c.seed);
    const w = integers([c.cout, c.cin, 1, 1], c.seed + 1);
    const y = await backend.conv2d(x, w, null);
    for (let n = 0; n < c.batch; n++) {
      const product = await backend.matmul(ref.reshape(w, [c.cout, c.cin]), ref.reshape(row(x, n), [c.cin, c.h * c.w]));
      assertEqual(`image ${n}: conv2d 1x1 vs matmul`, ref.reshape(row(y, n), [c.cout, c.h * c.w]), product, ANY_DTYPE);
    }
  },
});

export const convolutionIsFlippedCrossCorrelation = defineProperty({
  id: 'law-convolution-is-flipped-cross-correlation',
  kind: 'law',
  uses: ['conv2d'],
  statement: 'strict convolution equals cross-correlation with the kernel flipped both ways: convolve2d(X, K) = conv2d(X, flip(K))',
  arbitrary: fc.record({ kh: int(1, 4), kw: int(1, 4), extraH: int(0, 5), extraW: int(0, 5), seed: fc.integer() }),
  async check(backend, c) {
    const X = integers([c.kh + c.extraH, c.kw + c.extraW], c.seed);
    const K = integers([c.kh, c.kw], c.seed + 1);
    const as4d = (t: ref.Tensor) => ref.reshape(t, [1, 1, ...t.shape]);
    const correlated = await backend.conv2d(as4d(X), flipHW(as4d(K)), null);
    assertEqual('conv2d(X, flip(K)) vs convolve2d(X, K)', ref.reshape(correlated, correlated.shape.slice(2)), ref.convolve2d(X, K), ANY_DTYPE);
  },
});

export const multiInputIsSumOverChannels = defineProperty({
  id: 'law-multi-input-is-sum-over-channels',
  kind: 'law',
  uses: ['conv2d'],
  statement: 'multi-input convolution is the sum over input channels of single-channel convolutions',
  arbitrary: ungrouped,
  async check(backend, c: Conv2dCase) {
    const { x, w } = integerInputs(c);
    const whole = await backend.conv2d(x, w, null, c.options);
    let sum: ref.Tensor | null = null;
    for (let ch = 0; ch < c.xShape[1]; ch++) {
      const part = await backend.conv2d(sliceChannels(x, ch, ch + 1), sliceChannels(w, ch, ch + 1), null, c.options);
      sum = sum === null ? part : axpby(1, sum, 1, part);
    }
    assertEqual('conv2d(x, w) vs sum over channels', whole, sum as ref.Tensor, ANY_DTYPE);
  },
});

export const multiOutputIsStack = defineProperty({
  id: 'law-multi-output-is-stack',
  kind: 'law',
  uses: ['conv2d'],
  statement: 'multi-output convolution stacks the single-output convolutions of each output channel (bias included)',
  arbitrary: ungrouped,
  async check(backend, c: Conv2dCase) {
    const { x, w, b } = integerInputs(c);
    const whole = await backend.conv2d(x, w, b, c.options);
    const parts: ref.Tensor[] = [];
    for (let o = 0; o < c.weightShape[0]; o++) {
      parts.push(await backend.conv2d(x, outputChannel(w, o), b && ref.fromFlat([1], [b.data[o]]), c.options));
    }
    assertEqual('conv2d(x, w) vs stacked outputs', whole, concatChannels(parts), ANY_DTYPE);
  },
});

export const im2colMatmulEqualsDirect = defineProperty({
  id: 'law-im2col-matmul-equals-direct',
  kind: 'law',
  uses: ['conv2d', 'matmul'],
  statement: 'cross-correlation as an im2col matrix product equals the direct loop: conv2d(x, w)[n] = w[Cout, Cin*kh*kw] · im2col(x)[n]',
  arbitrary: ungrouped,
  async check(backend, c: Conv2dCase) {
    const { x, w } = integerInputs(c);
    const [cout, cin, kh, kw] = c.weightShape;
    const direct = await backend.conv2d(x, w, null, c.options);
    const columns = ref.im2col(x, [kh, kw], c.options);
    const [, , outH, outW] = direct.shape;
    for (let n = 0; n < c.xShape[0]; n++) {
      const product = await backend.matmul(ref.reshape(w, [cout, cin * kh * kw]), row(columns, n));
      assertEqual(`image ${n}: im2col·w vs conv2d`, ref.reshape(row(direct, n), [cout, outH * outW]), product, ANY_DTYPE);
    }
  },
});

export const transposeCommutes = defineProperty({
  id: 'law-transpose-commutes',
  kind: 'law',
  uses: ['conv2d'],
  statement: 'corr2d(Xᵀ, Kᵀ) = corr2d(X, K)ᵀ, with stride, padding and dilation swapped between the axes',
  arbitrary: conv2dCase(),
  async check(backend, c: Conv2dCase) {
    const { x, w, b } = integerInputs(c);
    const y = await backend.conv2d(x, w, b, c.options);
    const yT = await backend.conv2d(transposeHW(x), transposeHW(w), b, transposedOptions(c.options));
    assertEqual('conv2d(xᵀ, wᵀ) vs conv2d(x, w)ᵀ', yT, transposeHW(y), ANY_DTYPE);
  },
});

export const linearInInputAndKernel = defineProperty({
  id: 'law-linear-in-input-and-kernel',
  kind: 'law',
  uses: ['conv2d'],
  statement: 'conv2d is linear in x and in w: conv(a·x1 + b·x2, w) = a·conv(x1, w) + b·conv(x2, w), and likewise in w',
  arbitrary: fc.record({ c: conv2dCase(), a: int(-3, 3), b: int(-3, 3) }),
  async check(backend, { c, a, b }: { c: Conv2dCase; a: number; b: number }) {
    const { x, w } = integerInputs(c);
    const x2 = integers(c.xShape, c.seed + 5);
    const w2 = integers(c.weightShape, c.seed + 6);
    const conv = (xi: ref.Tensor, wi: ref.Tensor) => backend.conv2d(xi, wi, null, c.options);
    assertEqual('in x', await conv(axpby(a, x, b, x2), w), axpby(a, await conv(x, w), b, await conv(x2, w)), ANY_DTYPE);
    assertEqual('in w', await conv(x, axpby(a, w, b, w2)), axpby(a, await conv(x, w), b, await conv(x, w2)), ANY_DTYPE);
  },
});

export const translationEquivariance = defineProperty({
  id: 'law-translation-equivariance',
  kind: 'law',
  uses: ['conv2d'],
  statement: 'away from borders convolution commutes with shifts: dropping s·a rows and s·b columns of x drops a rows and b columns of the output',
  arbitrary: fc.record({ c: conv2dCase({ maxPadding: 0, maxExtraSize: 8 }), a: int(0, 3), b: int(0, 3) }),
  async check(backend, { c, a, b }: { c: Conv2dCase; a: number; b: number }) {
    const { x, w } = integerInputs(c);
    const [, , H, W] = c.xShape;
    const [sh, sw] = ref.resolvePair('law', 'stride', c.options.stride ?? 1, 1);
    const y = await backend.conv2d(x, w, null, c.options);
    const [, , outH, outW] = y.shape;
    const shiftH = Math.min(a, outH - 1);
    const shiftW = Math.min(b, outW - 1);
    const shifted = cropHW(x, sh * shiftH, sw * shiftW, H - sh * shiftH, W - sw * shiftW);
    const yShifted = await backend.conv2d(shifted, w, null, c.options);
    assertEqual('conv2d(shifted x) vs shifted conv2d(x)', yShifted, cropHW(y, shiftH, shiftW, outH - shiftH, outW - shiftW), ANY_DTYPE);
  },
});

export const impulseReproducesFlippedKernel = defineProperty({
  id: 'law-impulse-reproduces-flipped-kernel',
  kind: 'law',
  uses: ['conv2d'],
  statement: 'a one-hot (impulse) input of size (2kh-1)x(2kw-1) centred at (kh-1, kw-1) reproduces the kernel flipped both ways',
  arbitrary: fc.record({ kh: int(1, 5), kw: int(1, 5), cout: int(1, 3), seed: fc.integer() }),
  async check(backend, c) {
    const x = ref.zeros([1, 1, 2 * c.kh - 1, 2 * c.kw - 1]);
    x.data[(c.kh - 1) * (2 * c.kw - 1) + (c.kw - 1)] = 1;
    const w = integers([c.cout, 1, c.kh, c.kw], c.seed);
    const y = await backend.conv2d(x, w, null);
    assertEqual('conv2d(impulse, w) vs flip(w)', y, ref.reshape(flipHW(w), [1, c.cout, c.kh, c.kw]), ANY_DTYPE);
  },
});

/** Coefficients (-1)^k C(d, k): correlating with them takes the d-th finite difference (times (-1)^d). */
export function finiteDifferenceKernel(order: number): number[] {
  const coefficients = [1];
  for (let k = 1; k <= order; k++) coefficients.push((-coefficients[k - 1] * (order - k + 1)) / k);
  return coefficients;
}

export const finiteDifferencesAnnihilatePolynomials = defineProperty({
  id: 'law-finite-differences-annihilate-polynomials',
  kind: 'law',
  uses: ['conv2d'],
  statement: 'a finite-difference kernel of order d (size d+1) maps every polynomial of degree < d to zero, and degree d to the constant (-1)^d·d!·a_d',
  arbitrary: fc.record({
    order: int(1, 4),
    vertical: fc.boolean(),
    rows: int(1, 4),
    length: int(5, 12),
    coefficients: fc.array(fc.array(int(-3, 3), { minLength: 5, maxLength: 5 }), { minLength: 4, maxLength: 4 }),
  }),
  async check(backend: Backend, c) {
    const d = c.order;
    const kernel = finiteDifferenceKernel(d);
    const factorial = [1, 1, 2, 6, 24][d];
    // Row r of x is p_r(j) = sum_{m<=d} a_rm j^m along the differenced axis; a_rd is the leading term.
    for (const degree of [d - 1, d]) {
      const values: number[] = [];
      for (let r = 0; r < c.rows; r++) {
        for (let j = 0; j < c.length; j++) {
          let v = 0;
          for (let m = 0; m <= degree; m++) v += c.coefficients[r][m] * j ** m;
          values.push(v);
        }
      }
      let x = ref.fromFlat([1, 1, c.rows, c.length], values);
      let w = ref.fromFlat([1, 1, 1, d + 1], kernel);
      if (c.vertical) {
        x = transposeHW(x);
        w = transposeHW(w);
      }
      const y = await backend.conv2d(x, w, null);
      const expected = Array.from({ length: c.rows }, (_, r) => (degree < d ? 0 : (-1) ** d * factorial * c.coefficients[r][d]));
      let want = ref.fromFlat([1, 1, c.rows, c.length - d], expected.flatMap((v) => Array(c.length - d).fill(v)));
      if (c.vertical) want = transposeHW(want);
      assertEqual(`order ${d}, degree ${degree}${c.vertical ? ', vertical' : ''}`, y, want, ANY_DTYPE);
    }
  },
});
