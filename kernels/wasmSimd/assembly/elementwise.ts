import { madd } from './madd';
// Activations, softmax cross-entropy and the SGD update. Pointers are byte addresses of f32 arrays.

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/**
 * exp of four lanes: x = n ln2 + r with |r| <= ln2/2 (ln2 in two parts, so r is exact), e^r from
 * Cephes' expf polynomial (about 1 ulp), times 2^n built in the exponent bits. x is clamped to
 * [-104, 88.72] first (below -104 exp rounds to 0 in float32; results under 2^-126 come out
 * subnormal, as they should); NaN passes through (min/max propagate it).
 *
 * `sigmoidTerm`: exp(-x) for sigmoid's 1 / (1 + exp(-x)), cheaper and giving sigmoid the same bits:
 * - the sign is folded into the constants (v = -u, u = x clamped to the negated range), not applied
 *   to x (every step is exact under negation; V8 builds f32x4.neg's sign mask each time);
 * - -x is clamped below at -80, not -104: any exp(-x) under 2^-24 leaves 1 + exp(-x) = 1, so 2^n
 *   (n >= -115) is one exponent-field build, 2^(n-1) · 2, not two.
 */
@inline function exp4(x: v128, sigmoidTerm: bool = false): v128 {
  // pmin/pmax (one instruction each on x86; wasm's min/max are long sequences for their NaN and -0
  // rules): with x first, a NaN x comes back as it is, so NaN still passes through.
  const u = sigmoidTerm ? f32x4.pmin(f32x4.pmax(x, f32x4.splat(-88.7228)), f32x4.splat(80.0)) : f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.7228)), f32x4.splat(-104.0));
  // n = round-half-even(v·log2 e) by the 1.5·2^23 trick: adding it leaves n in the low mantissa bits
  // (cheaper than nearest and trunc_sat, which V8 lowers to long sequences without SSE4.1/AVX-512).
  const magic = f32x4.splat(12582912.0);
  const t = f32x4.add(f32x4.mul(u, f32x4.splat(sigmoidTerm ? -1.44269504 : 1.44269504)), magic);
  const n = f32x4.sub(t, magic);
  // v - n·ln2hi, where v = -u for the sigmoid: -(n·ln2hi) - u rounds the same.
  const vHi = sigmoidTerm ? f32x4.sub(f32x4.mul(n, f32x4.splat(-0.693359375)), u) : f32x4.sub(u, f32x4.mul(n, f32x4.splat(0.693359375)));
  const r = f32x4.sub(vHi, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  p = f32x4.add(madd(f32x4.mul(p, r), r, r), f32x4.splat(1));
  const ni = i32x4.sub(t, magic);
  // p · 2^(n-1) · 2: both scalings exact for n in [-115, 128], as the two halves below are.
  if (sigmoidTerm) {
    const half = f32x4.mul(p, i32x4.shl(i32x4.add(ni, i32x4.splat(126)), 23));
    return f32x4.add(half, half);
  }
  // 2^n as 2^h · 2^(n-h), h = n >> 1, each built in the exponent field: both halves stay normal for
  // every n in [-150, 128] after the clamp. (A single 2^(n-1) · 2 gave 0 at n = -126, so exp lost
  // its last binade, [2^-126 · 0.7, 2^-126 · 1.4], to zero: the suite's wide regime found it.)
  const h = i32x4.shr_s(ni, 1);
  const low = i32x4.shl(i32x4.add(h, i32x4.splat(127)), 23);
  const high = i32x4.shl(i32x4.add(i32x4.sub(ni, h), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, low), high);
}

export function sigmoidForward(x: usize, n: i32, y: usize): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const a = exp4(v128.load(at(x, i)), true);
    const b = exp4(v128.load(at(x, i + 4)), true);
    const c = exp4(v128.load(at(x, i + 8)), true);
    const d = exp4(v128.load(at(x, i + 12)), true);
    v128.store(at(y, i), f32x4.div(one, f32x4.add(one, a)));
    v128.store(at(y, i + 4), f32x4.div(one, f32x4.add(one, b)));
    v128.store(at(y, i + 8), f32x4.div(one, f32x4.add(one, c)));
    v128.store(at(y, i + 12), f32x4.div(one, f32x4.add(one, d)));
  }
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), f32x4.div(one, f32x4.add(one, exp4(v128.load(at(x, i)), true))));
  for (; i < n; i++) store<f32>(at(y, i), 1 / (1 + Mathf.exp(-load<f32>(at(x, i)))));
}

/** dx = dy * y * (1 - y), from the forward output y. */
export function sigmoidBackward(dy: usize, y: usize, n: i32, dx: usize): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const yv = v128.load(at(y, i));
    v128.store(at(dx, i), f32x4.mul(v128.load(at(dy, i)), f32x4.mul(yv, f32x4.sub(one, yv))));
  }
  for (; i < n; i++) {
    const yi = load<f32>(at(y, i));
    store<f32>(at(dx, i), load<f32>(at(dy, i)) * yi * (1 - yi));
  }
}

export function reluForward(x: usize, n: i32, y: usize): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(at(x, i));
    store<f32>(at(y, i), v > 0 ? v : v != v ? v : 0);
  }
}

/** PyTorch's x <= 0 ? 0 : dy: the gradient at 0 is 0, and a NaN x passes dy through. */
export function reluBackward(dy: usize, x: usize, n: i32, dx: usize): void {
  for (let i = 0; i < n; i++) store<f32>(at(dx, i), load<f32>(at(x, i)) <= 0 ? 0 : load<f32>(at(dy, i)));
}

/** Row-wise softmax (log = 0) or log-softmax (log = 1) of [rows, cols], max-shifted for stability. */
/** max over a row of `cols` values, four lanes at a time (NaN propagates, as f32.max does). */
@inline function rowMax(xr: usize, cols: i32): f32 {
  let lanes = f32x4.splat(-Infinity);
  let c = 0;
  for (; c + 4 <= cols; c += 4) lanes = f32x4.max(lanes, v128.load(at(xr, c)));
  let m = max(max(f32x4.extract_lane(lanes, 0), f32x4.extract_lane(lanes, 1)), max(f32x4.extract_lane(lanes, 2), f32x4.extract_lane(lanes, 3)));
  for (; c < cols; c++) m = max(m, load<f32>(at(xr, c)));
  return m;
}

/** exp(x[c] - m) over a row, four lanes at a time (exp4), stored to `out` unless it is 0; returns their sum. */
@inline function rowExpShifted(xr: usize, cols: i32, m: f32, out: usize): f32 {
  const mv = f32x4.splat(m);
  let lanes = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const e = exp4(f32x4.sub(v128.load(at(xr, c)), mv));
    lanes = f32x4.add(lanes, e);
    if (out != 0) v128.store(at(out, c), e);
  }
  let sum = f32x4.extract_lane(lanes, 0) + f32x4.extract_lane(lanes, 1) + f32x4.extract_lane(lanes, 2) + f32x4.extract_lane(lanes, 3);
  for (; c < cols; c++) {
    const e = Mathf.exp(load<f32>(at(xr, c)) - m);
    sum += e;
    if (out != 0) store<f32>(at(out, c), e);
  }
  return sum;
}

export function softmaxForward(x: usize, rows: i32, cols: i32, log: i32, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols);
    const yr = at(y, r * cols);
    const m = rowMax(xr, cols);
    if (log != 0) {
      // log softmax: (x - m) - log Σ exp(x - m). Subtracting m first keeps the rounding at the scale
      // of the shifted value; x - (m + log Σ) would round m + log Σ at the scale of m (large logits).
      const logSum = Mathf.log(rowExpShifted(xr, cols, m, 0));
      const mv = f32x4.splat(m);
      const lv = f32x4.splat(logSum);
      let c = 0;
      for (; c + 4 <= cols; c += 4) v128.store(at(yr, c), f32x4.sub(f32x4.sub(v128.load(at(xr, c)), mv), lv));
      for (; c < cols; c++) store<f32>(at(yr, c), (load<f32>(at(xr, c)) - m) - logSum);
      continue;
    }
    // softmax: exp(x - m) / Σ exp(x - m), the exps written once and divided in place
    const sum = rowExpShifted(xr, cols, m, yr);
    let c = 0;
    for (; c + 4 <= cols; c += 4) v128.store(at(yr, c), f32x4.div(v128.load(at(yr, c)), f32x4.splat(sum)));
    for (; c < cols; c++) store<f32>(at(yr, c), load<f32>(at(yr, c)) / sum);
  }
}

/** softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - exp(y) sum(dy). */
export function softmaxBackward(dy: usize, y: usize, rows: i32, cols: i32, log: i32, dx: usize): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f32 = 0;
    for (let c = 0; c < cols; c++) s += log != 0 ? load<f32>(at(dy, o + c)) : load<f32>(at(dy, o + c)) * load<f32>(at(y, o + c));
    for (let c = 0; c < cols; c++) {
      const g = load<f32>(at(dy, o + c));
      const yc = load<f32>(at(y, o + c));
      store<f32>(at(dx, o + c), log != 0 ? g - Mathf.exp(yc) * s : yc * (g - s));
    }
  }
}

export function crossEntropyForward(logits: usize, labels: usize, rows: i32, cols: i32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const xr = at(logits, r * cols);
    const m = rowMax(xr, cols);
    // -logSoftmax at the label: log Σ exp(x - m) - (x[label] - m), shifted first (see softmaxForward).
    total += <f64>(Mathf.log(rowExpShifted(xr, cols, m, 0)) - (load<f32>(at(xr, load<i32>(at(labels, r)))) - m));
  }
  return total / rows;
}

/** dlogits = (softmax(logits) - onehot(labels)) / rows. */
export function crossEntropyBackward(logits: usize, labels: usize, rows: i32, cols: i32, dlogits: usize): void {
  softmaxForward(logits, rows, cols, 0, dlogits);
  const scale: f32 = 1 / <f32>rows;
  for (let r = 0; r < rows; r++) {
    const label = load<i32>(at(labels, r));
    for (let c = 0; c < cols; c++) {
      const p = at(dlogits, r * cols + c);
      store<f32>(p, (load<f32>(p) - (c == label ? 1 : 0)) * scale);
    }
  }
}

/** How many rows' first maximum is at their label. */
export function correctCount(logits: usize, labels: usize, rows: i32, cols: i32): i32 {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (load<f32>(at(logits, r * cols + c)) > load<f32>(at(logits, r * cols + best))) best = c;
    if (best == load<i32>(at(labels, r))) correct++;
  }
  return correct;
}

/** p -= lr * g. */
export function sgdUpdate(p: usize, g: usize, n: i32, lr: f32): void {
  const lrv = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(p, i), f32x4.sub(v128.load(at(p, i)), f32x4.mul(lrv, v128.load(at(g, i)))));
  for (; i < n; i++) store<f32>(at(p, i), load<f32>(at(p, i)) - lr * load<f32>(at(g, i)));
}
