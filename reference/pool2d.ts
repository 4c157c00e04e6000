import { OperatorInputError } from './errors.ts';
import { assertTensor, formatShape, zeros, type Tensor } from './tensor.ts';

/** Pooling mode of the chapter's `pool2d`. */
export type PoolMode = 'max' | 'avg';

/**
 * The chapter's 2-D pooling: stride 1, no padding, output `(h - ph + 1) x (w - pw + 1)`, each value
 * the max or mean of its window.
 *
 * @param X - `[h, w]`
 * @param poolSize - `[ph, pw]`
 * @param mode - `'max'` (default) or `'avg'`
 */
export function pool2d(X: Tensor, poolSize: readonly [number, number], mode: PoolMode = 'max'): Tensor {
  assertTensor('pool2d', 'X', X, 2, '[h, w]');
  const [h, w] = X.shape;
  const [ph, pw] = (Array.isArray(poolSize) ? poolSize : [NaN, NaN]) as readonly [number, number];
  if (!Array.isArray(poolSize) || poolSize.length !== 2 || !Number.isInteger(ph) || !Number.isInteger(pw) || ph < 1 || pw < 1 || ph > h || pw > w) {
    throw new OperatorInputError(
      'pool2d',
      `poolSize must be [ph, pw] of positive integers no larger than X ${formatShape(X.shape)}; got ${JSON.stringify(poolSize)}.`,
    );
  }
  if (mode !== 'max' && mode !== 'avg') {
    throw new OperatorInputError('pool2d', `mode must be 'max' or 'avg'; got ${JSON.stringify(mode)}.`);
  }
  const Y = zeros([h - ph + 1, w - pw + 1]);
  for (let i = 0; i < h - ph + 1; i++) {
    for (let j = 0; j < w - pw + 1; j++) {
      let result = mode === 'max' ? -Infinity : 0;
      for (let a = 0; a < ph; a++) {
        for (let b = 0; b < pw; b++) {
          const v = X.data[(i + a) * w + (j + b)];
          result = mode === 'max' ? (v > result || Number.isNaN(v) ? v : result) : result + v;
        }
      }
      Y.data[i * (w - pw + 1) + j] = mode === 'max' ? result : result / (ph * pw);
    }
  }
  return Y;
}
