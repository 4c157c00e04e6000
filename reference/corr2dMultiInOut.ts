import { corr2dMultiIn, channelOf } from './corr2dMultiIn.ts';
import { assertTensor, zeros, type Tensor } from './tensor.ts';

/**
 * The chapter's multi-output-channel cross-correlation: output channel `o` is
 * `corr2dMultiIn(X, K[o])`, stacked along a new first axis.
 *
 * @param X - `[ci, h, w]`
 * @param K - `[co, ci, kh, kw]`
 * @returns `[co, h - kh + 1, w - kw + 1]`
 */
export function corr2dMultiInOut(X: Tensor, K: Tensor): Tensor {
  assertTensor('corr2dMultiInOut', 'X', X, 3, '[ci, h, w]');
  assertTensor('corr2dMultiInOut', 'K', K, 4, '[co, ci, kh, kw]');
  const slices = Array.from({ length: K.shape[0] }, (_, o) => corr2dMultiIn(X, channelOf(K, o)));
  const Y = zeros([K.shape[0], ...slices[0].shape]);
  slices.forEach((slice, o) => Y.data.set(slice.data, o * slice.data.length));
  return Y;
}
