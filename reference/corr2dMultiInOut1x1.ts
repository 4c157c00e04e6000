import { OperatorInputError } from './errors.ts';
import { matmul } from './matmul.ts';
import { assertTensor, formatShape, reshape, type Tensor } from './tensor.ts';

/**
 * The chapter's 1x1 convolution as a fully connected layer over channels: reshape X to
 * `[ci, h*w]` and K to `[co, ci]`, multiply, reshape back.
 *
 * @param X - `[ci, h, w]`
 * @param K - `[co, ci, 1, 1]`
 * @returns `[co, h, w]`
 */
export function corr2dMultiInOut1x1(X: Tensor, K: Tensor): Tensor {
  assertTensor('corr2dMultiInOut1x1', 'X', X, 3, '[ci, h, w]');
  assertTensor('corr2dMultiInOut1x1', 'K', K, 4, '[co, ci, 1, 1]');
  const [ci, h, w] = X.shape;
  const [co, kci, kh, kw] = K.shape;
  if (kh !== 1 || kw !== 1 || kci !== ci) {
    throw new OperatorInputError(
      'corr2dMultiInOut1x1',
      `K must be [co, ${ci}, 1, 1] for X ${formatShape(X.shape)}; got ${formatShape(K.shape)}. ` +
        `Fix: use corr2dMultiInOut for kernels larger than 1x1.`,
    );
  }
  const Y = matmul(reshape(K, [co, ci]), reshape(X, [ci, h * w]));
  return reshape(Y, [co, h, w]);
}
