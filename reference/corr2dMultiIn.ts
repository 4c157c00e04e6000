import { corr2d } from './corr2d.ts';
import { OperatorInputError } from './errors.ts';
import { assertTensor, formatShape, reshape, sizeOf, zeros, type Tensor } from './tensor.ts';

/** Channel `c` of a `[C, ...]` tensor, as a view. */
export function channelOf(t: Tensor, c: number): Tensor {
  const rest = t.shape.slice(1);
  const size = sizeOf(rest);
  return reshape({ shape: rest, data: t.data.subarray(c * size, (c + 1) * size) }, rest);
}

/**
 * The chapter's multi-input-channel cross-correlation: the sum over channels of
 * `corr2d(X[c], K[c])`.
 *
 * @param X - `[ci, h, w]`
 * @param K - `[ci, kh, kw]`
 * @returns `[h - kh + 1, w - kw + 1]`
 */
export function corr2dMultiIn(X: Tensor, K: Tensor): Tensor {
  assertTensor('corr2dMultiIn', 'X', X, 3, '[ci, h, w]');
  assertTensor('corr2dMultiIn', 'K', K, 3, '[ci, kh, kw]');
  if (X.shape[0] !== K.shape[0]) {
    throw new OperatorInputError(
      'corr2dMultiIn',
      `channel mismatch: X ${formatShape(X.shape)} has ${X.shape[0]} channels but K ${formatShape(K.shape)} has ` +
        `${K.shape[0]}. Fix: give the kernel one [kh, kw] slice per input channel.`,
    );
  }
  let total: Tensor | null = null;
  for (let c = 0; c < X.shape[0]; c++) {
    const Y = corr2d(channelOf(X, c), channelOf(K, c));
    if (total === null) total = zeros(Y.shape);
    for (let k = 0; k < Y.data.length; k++) total.data[k] += Y.data[k];
  }
  return total as Tensor;
}
