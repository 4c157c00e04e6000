import { assertImageAndKernel } from './corr2d.ts';
import { zeros, type Tensor } from './tensor.ts';

/**
 * Strict 2-D convolution (the mathematicians' one), over the positions where the kernel fits:
 * `Y[i, j] = sum over (a, b) of X[i + a, j + b] * K[kh - 1 - a, kw - 1 - b]`.
 * It equals {@link corr2d} with the kernel flipped both ways, written out on its own so that the
 * property "convolution = cross-correlation with a flipped kernel" compares two independent loops.
 *
 * @param X - image `[h, w]`
 * @param K - kernel `[kh, kw]`
 */
export function convolve2d(X: Tensor, K: Tensor): Tensor {
  assertImageAndKernel('convolve2d', X, K);
  const [h, w] = X.shape;
  const [kh, kw] = K.shape;
  const Y = zeros([h - kh + 1, w - kw + 1]);
  for (let i = 0; i < h - kh + 1; i++) {
    for (let j = 0; j < w - kw + 1; j++) {
      let sum = 0;
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) sum += X.data[(i + a) * w + (j + b)] * K.data[(kh - 1 - a) * kw + (kw - 1 - b)];
      }
      Y.data[i * (w - kw + 1) + j] = sum;
    }
  }
  return Y;
}
