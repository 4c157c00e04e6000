/**
 * The float32 error model the kernels are held to.
 *
 * A float32 sum of n products, accumulated in any order with rounding after every operation, differs
 * from the exact value by at most `γ_n * sum|x_i * w_i|` with `γ_n = n u / (1 - n u)`,
 * `u = 2^-24` (Higham, Accuracy and Stability of Numerical Algorithms, §3.1). The bound is per output
 * element, and `sum|x_i * w_i|` is the same operation applied to |x| and |w|, so the reference computes
 * it. Two more roundings cover the stored output and the division of an average.
 */
export const UNIT_ROUNDOFF = 2 ** -24;

/** Per-element bound `(γ_n + 2u) S_i`, `γ_n = n u / (1 - n u)`, for a sum of `terms` products whose absolute sum is `S`. */
export function sumOfProductsTolerance(absoluteSum: ArrayLike<number>, terms: number): Float64Array {
  const bound = new Float64Array(absoluteSum.length);
  const scale = (terms * UNIT_ROUNDOFF) / (1 - terms * UNIT_ROUNDOFF) + 2 * UNIT_ROUNDOFF;
  for (let i = 0; i < bound.length; i++) bound[i] = scale * absoluteSum[i];
  return bound;
}

/**
 * Results under the smallest normal float32 may come back as zero or subnormal: GPU shaders flush
 * subnormals, and an exp that underflows may stop at 2^-126. Every bound on a transcendental result
 * has this absolute floor; above it the bounds are relative.
 */
export const SMALLEST_NORMAL = 2 ** -126;

/**
 * The budget of one exp(x), in units of u = 2^-24: GLSL ES 3.00 (§4.5.1) allows `3 + 2|x|` ulp, and
 * one ulp is up to 2u relative, so `2 (3 + 2|x|)`; a log 3 ulp (6u relative, absolute 2^-21 = 8u
 * inside [0.5, 2]). This is the contract for every backend here (WebGL1's GLSL ES 1.00 sets no
 * accuracy at all; wasm-simd's polynomial exp is within a few ulp), so a kernel that rounds more
 * than a conforming GLSL ES 3.00 exp and log would is caught.
 */
const expUlp = (x: number) => 2 * (3 + 2 * Math.abs(x));
const LOG_ABS = 8;
const LOG_REL = 6;

/**
 * Bound for results built from exp/log with inputs in [-4, 4] (each transcendental at most 16 u
 * relative); a row of C of them summed adds the summation term. `scale_i` is the magnitude the error
 * is relative to. Used where the model below does not apply (the LeNet step's loss).
 */
export function transcendentalTolerance(scale: ArrayLike<number>, terms: number): Float64Array {
  return Float64Array.from(scale, (s) => (terms + 16) * UNIT_ROUNDOFF * Math.max(1, Math.abs(s)));
}

/**
 * sigmoid: y = 1/(1 + e^-x) (x >= 0) or e^x/(1 + e^x) (x < 0). Either way an exp error of ε relative
 * moves y by ε(1 - y) relative, and the add, divide and store round three times:
 * `|Δy| <= u·y·(3 + 2(3 + 2|x|)(1 - y))`, plus the subnormal floor. A non-finite x has an exact
 * answer (0 or 1), held to the subnormal floor only.
 */
export function sigmoidTolerance(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  return Float64Array.from(y, (yi, i) =>
    Number.isFinite(x[i]) ? UNIT_ROUNDOFF * Math.abs(yi) * (3 + expUlp(x[i]) * (1 - yi)) + SMALLEST_NORMAL : SMALLEST_NORMAL);
}

/** t = x - rowmax of `[N, C]`, in float64: the value every softmax-family error grows with. Non-finite where the answer is exact (or NaN). */
function shifted(x: ArrayLike<number>, classes: number): Float64Array {
  const t = new Float64Array(x.length);
  for (let row = 0; row < x.length; row += classes) {
    let m = -Infinity;
    for (let c = 0; c < classes; c++) m = Math.max(m, x[row + c]);
    for (let c = 0; c < classes; c++) t[row + c] = x[row + c] - m;
  }
  return t;
}

/**
 * softmax of `[N, C]`: e_i = exp(t_i) within 2(3 + 2|t_i|)u, t_i = x_i - max rounded (|t_i| u more
 * on e_i), the row sum of C such terms (relative error at most (5 + 2.9C)u, as |t|e^t <= 1/e), a
 * division and a store: `|Δy_i| <= u·y_i·(13 + 5|t_i| + 3C)`. The error grows with the shifted value t, never with |x|: a
 * kernel that loses precision to a large row maximum is caught. -Infinity gives exactly 0 (up to
 * the subnormal floor); a NaN or +Infinity makes the row NaN.
 */
export function softmaxTolerance(x: ArrayLike<number>, y: ArrayLike<number>, classes: number): Float64Array {
  const t = shifted(x, classes);
  return Float64Array.from(y, (yi, i) =>
    Number.isFinite(t[i]) ? UNIT_ROUNDOFF * Math.abs(yi) * (13 + 5 * Math.abs(t[i]) + 3 * classes) + SMALLEST_NORMAL : SMALLEST_NORMAL);
}

/**
 * log-softmax of `[N, C]`: y_i = t_i - L, L = log Σ exp(t_j) in [0, log C]. t_i rounds (u|t_i|), L
 * carries the log's own error (8u absolute or 6u·L) plus the sum's relative error (5 + 2.9C)u, and
 * the subtraction rounds (u|y_i|): `|Δy_i| <= u·(|t_i| + |y_i| + 6L + 3C + 14)`. Computing
 * `x - (max + L)` instead rounds max + L at the scale of |max|: far outside this bound once the
 * logits are large.
 */
export function logSoftmaxTolerance(x: ArrayLike<number>, y: ArrayLike<number>, classes: number): Float64Array {
  const t = shifted(x, classes);
  return Float64Array.from(y, (yi, i) =>
    Number.isFinite(t[i]) ? UNIT_ROUNDOFF * (Math.abs(t[i]) + Math.abs(yi) + LOG_REL * (t[i] - yi) + 3 * classes + LOG_ABS + 6) : 0);
}

/**
 * log-softmax backward from its output y: dx_i = dy_i - exp(y_i)·S, S = Σ_j dy_j. S rounds (C u Σ|dy|),
 * exp(y_i) carries its ulp, the product and the subtraction round once each.
 */
export function logSoftmaxBackwardTolerance(dy: ArrayLike<number>, y: ArrayLike<number>, dx: ArrayLike<number>, classes: number): Float64Array {
  const bound = new Float64Array(dx.length);
  for (let row = 0; row < dx.length; row += classes) {
    let sum = 0;
    let absSum = 0;
    for (let c = 0; c < classes; c++) {
      sum += dy[row + c];
      absSum += Math.abs(dy[row + c]);
    }
    for (let c = 0; c < classes; c++) {
      const i = row + c;
      const p = Math.exp(y[i]);
      const expTerm = p === 0 || !Number.isFinite(y[i]) ? 0 : p * (classes * absSum + (expUlp(y[i]) + 1) * Math.abs(sum));
      bound[i] = UNIT_ROUNDOFF * (Math.abs(dx[i]) + expTerm) + SMALLEST_NORMAL;
    }
  }
  return bound;
}

/**
 * Mean cross-entropy from logits: loss = -(1/N) Σ_n y[n, label_n] with y the log-softmax, so each
 * row's term carries the log-softmax bound, and the mean of N terms rounds N more times.
 */
export function crossEntropyTolerance(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, logProbabilities: ArrayLike<number>): number {
  const rowBounds = logSoftmaxTolerance(logits, logProbabilities, classes);
  const rows = labels.length;
  let bound = 0;
  let absSum = 0;
  for (let n = 0; n < rows; n++) {
    const i = n * classes + labels[n];
    bound += rowBounds[i];
    absSum += Math.abs(logProbabilities[i]);
  }
  return (bound + (rows + 1) * UNIT_ROUNDOFF * absSum) / rows;
}

/** Gradient of the mean cross-entropy: (softmax - onehot)/N; the subtraction and the division each round once more. */
export function crossEntropyBackwardTolerance(logits: ArrayLike<number>, probabilities: ArrayLike<number>, dlogits: ArrayLike<number>, classes: number): Float64Array {
  const rows = dlogits.length / classes;
  const p = softmaxTolerance(logits, probabilities, classes);
  return Float64Array.from(p, (b, i) => b / rows + 2 * UNIT_ROUNDOFF * Math.abs(dlogits[i]) + SMALLEST_NORMAL);
}

/** An elementwise product of three factors (sigmoid's dy·y·(1-y)): three roundings, and results under 2^-126 may flush. */
export function productTolerance(absoluteProduct: ArrayLike<number>, factors: number): Float64Array {
  return sumOfProductsTolerance(absoluteProduct, factors).map((b) => b + SMALLEST_NORMAL);
}

/**
 * softmax backward from its output y, `[N, C]`: dx_i = y_i (dy_i - Σ_j dy_j y_j), a sum of C + 2
 * products whose absolute sum is |y_i| (|dy_i| + Σ_j |dy_j y_j|), and the subnormal floor.
 */
export function softmaxBackwardTolerance(dy: ArrayLike<number>, y: ArrayLike<number>, classes: number): Float64Array {
  const scale = Float64Array.from(y, (yi, i) => {
    const row = Math.floor(i / classes) * classes;
    let dot = 0;
    for (let j = 0; j < classes; j++) dot += Math.abs(dy[row + j]) * Math.abs(y[row + j]);
    return Math.abs(yi) * (Math.abs(dy[i]) + dot);
  });
  return sumOfProductsTolerance(scale, classes + 2).map((b) => b + SMALLEST_NORMAL);
}

/** sgd, p' = p - lr·g: lr·g rounds once, the subtraction once, the float32 store once. */
export function sgdTolerance(updated: ArrayLike<number>, step: ArrayLike<number>): Float64Array {
  return Float64Array.from(updated, (v, j) => 3 * UNIT_ROUNDOFF * (Math.abs(v) + Math.abs(step[j])));
}
