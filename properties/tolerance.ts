/**
 * The float32 error model the kernels are held to.
 *
 * A float32 sum of n products, accumulated in any order with rounding after every operation, differs
 * from the exact value by at most `γ_n * sum|x_i * w_i|` with `γ_n = n u / (1 - n u) ≈ n u`,
 * `u = 2^-24` (Higham, Accuracy and Stability of Numerical Algorithms, §3.1). The bound is per output
 * element, and `sum|x_i * w_i|` is the same operation applied to |x| and |w|, so the reference computes
 * it. Two more roundings cover the stored output and the division of an average.
 */
export const UNIT_ROUNDOFF = 2 ** -24;

/** Per-element bound `(n + 2) u S_i` for a sum of `terms` products whose absolute sum is `S`. */
export function sumOfProductsTolerance(absoluteSum: ArrayLike<number>, terms: number): Float64Array {
  return Float64Array.from(absoluteSum, (s) => (terms + 2) * UNIT_ROUNDOFF * s);
}

/**
 * Bound for results built from exp/log: GLSL ES gives exp and log a few ulp (`3 + 2|x|` for exp),
 * so with inputs in [-4, 4] each transcendental contributes at most 16 u relative; a row of C of them
 * summed adds the summation term. `scale_i` is the magnitude the error is relative to.
 */
export function transcendentalTolerance(scale: ArrayLike<number>, terms: number): Float64Array {
  return Float64Array.from(scale, (s) => (terms + 16) * UNIT_ROUNDOFF * Math.max(1, Math.abs(s)));
}

/** The worst `|actual - expected| / bound` (<= 1 passes) and where it happened. */
export function worstViolation(actual: ArrayLike<number>, expected: ArrayLike<number>, bound: ArrayLike<number>): { ratio: number; index: number } {
  let ratio = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    if (Number.isNaN(actual[i]) !== Number.isNaN(expected[i])) return { ratio: Infinity, index: i };
    if (expected[i] === actual[i]) continue; // also equal infinities
    const r = error / Math.max(bound[i], Number.MIN_VALUE);
    if (r > ratio) {
      ratio = r;
      index = i;
    }
  }
  return { ratio, index };
}
