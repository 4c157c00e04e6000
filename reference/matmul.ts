import { OperatorInputError } from './errors.ts';
import { assertTensor, formatShape, zeros, type Tensor } from './tensor.ts';

/**
 * Matrix product `C[i, j] = sum over k of A[i, k] * B[k, j]`.
 *
 * @param A - `[m, k]`
 * @param B - `[k, n]`
 * @returns `[m, n]` in float64
 */
export function matmul(A: Tensor, B: Tensor): Tensor {
  const [m, k, n] = checkMatmul(A, B);
  const C = zeros([m, n]);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += A.data[i * k + p] * B.data[p * n + j];
      C.data[i * n + j] = sum;
    }
  }
  return C;
}

/** Validates matmul's inputs and returns `[m, k, n]`; shared with every kernel backend. */
export function checkMatmul(A: Tensor, B: Tensor): [number, number, number] {
  assertTensor('matmul', 'A', A, 2, '[m, k]');
  assertTensor('matmul', 'B', B, 2, '[k, n]');
  const [m, k] = A.shape;
  const [kB, n] = B.shape;
  if (k !== kB) {
    throw new OperatorInputError(
      'matmul',
      `inner dimensions differ: A ${formatShape(A.shape)} has ${k} columns, B ${formatShape(B.shape)} has ${kB} rows.`,
    );
  }
  return [m, k, n];
}
