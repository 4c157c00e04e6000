import type { Tensor } from '../reference/index.ts';

/**
 * Central-difference gradient of a scalar function, in float64: for each element,
 * `(f(x + h e_i) - f(x - h e_i)) / 2h`. The error is the truncation `h² |f'''| / 6` plus the rounding
 * `~ε |f| / h`; with h = 1e-5 both stay under 1e-8 for the bounded, smooth-or-piecewise-linear
 * functions checked here, so a tolerance of 1e-6 (relative to max(1, |g|)) separates rounding from a
 * wrong gradient, which is off by O(1).
 *
 * `x` is perturbed in place and restored.
 */
export function numericGradient(f: () => number, x: Tensor, h = 1e-5): Float64Array {
  const gradient = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const saved = x.data[i];
    x.data[i] = saved + h;
    const plus = f();
    x.data[i] = saved - h;
    const minus = f();
    x.data[i] = saved;
    gradient[i] = (plus - minus) / (2 * h);
  }
  return gradient;
}

/** `sum(y * r)`: a scalar loss whose gradient with respect to y is exactly `r`. */
export function dot(y: Tensor, r: Tensor): number {
  let sum = 0;
  for (let i = 0; i < y.data.length; i++) sum += y.data[i] * r.data[i];
  return sum;
}

/** Largest `|a - b| / max(1, |b|)` over the elements, for reporting and asserting. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}
