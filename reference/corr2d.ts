import { OperatorInputError } from './errors.ts';
import { assertTensor, formatShape, zeros, type Tensor } from './tensor.ts';

/** Checks a 2-D image and a 2-D kernel that fits inside it; shared by the chapter's 2-D functions. */
export function assertImageAndKernel(op: string, X: Tensor, K: Tensor): void {
  assertTensor(op, 'X', X, 2, '[h, w]');
  assertTensor(op, 'K', K, 2, '[kh, kw]');
  if (K.shape[0] > X.shape[0] || K.shape[1] > X.shape[1]) {
    throw new OperatorInputError(
      op,
      `kernel K ${formatShape(K.shape)} is larger than the image X ${formatShape(X.shape)}. ` +
        `Fix: use a kernel no larger than the image, or pad the image (conv2d's padding option).`,
    );
  }
}

/**
 * The chapter's 2-D cross-correlation: `Y[i, j] = sum over (a, b) of X[i + a, j + b] * K[a, b]`,
 * output `(h - kh + 1) x (w - kw + 1)`.
 *
 * @param X - image `[h, w]`
 * @param K - kernel `[kh, kw]`
 */
export function corr2d(X: Tensor, K: Tensor): Tensor {
  assertImageAndKernel('corr2d', X, K);
  const [h, w] = X.shape;
  const [kh, kw] = K.shape;
  const Y = zeros([h - kh + 1, w - kw + 1]);
  for (let i = 0; i < h - kh + 1; i++) {
    for (let j = 0; j < w - kw + 1; j++) {
      let sum = 0;
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) sum += X.data[(i + a) * w + (j + b)] * K.data[a * kw + b];
      }
      Y.data[i * (w - kw + 1) + j] = sum;
    }
  }
  return Y;
}
