import { assertImageAndKernel } from './corr2d.ts';
import { matmul } from './matmul.ts';
import { reshape, zeros, type Tensor } from './tensor.ts';

/**
 * The chapter's exercise: cross-correlation as one matrix product (im2col). Each output position's
 * window is flattened into a row of `patches` `[outH*outW, kh*kw]`, the kernel into a column
 * `[kh*kw, 1]`, and their product reshaped is `corr2d(X, K)`.
 *
 * @param X - image `[h, w]`
 * @param K - kernel `[kh, kw]`
 */
export function corr2dAsMatmul(X: Tensor, K: Tensor): Tensor {
  assertImageAndKernel('corr2dAsMatmul', X, K);
  const [h, w] = X.shape;
  const [kh, kw] = K.shape;
  const outH = h - kh + 1;
  const outW = w - kw + 1;
  const patches = zeros([outH * outW, kh * kw]);
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW; j++) {
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) patches.data[(i * outW + j) * kh * kw + a * kw + b] = X.data[(i + a) * w + (j + b)];
      }
    }
  }
  return reshape(matmul(patches, reshape(K, [kh * kw, 1])), [outH, outW]);
}
