// Single-precision matrix product with WebAssembly SIMD: C[M x N] (+)= A[M x K] · B[K x N], all
// row-major with leading dimensions in elements. A 4 x 8 register block: per k, two f32x4 loads of
// a B row, four broadcasts of A, eight multiply-adds into eight accumulators (11 of 16 registers);
// a short block of 2-3 rows for the M % 4 remainder, 4x4 and 1x8 blocks and scalar dots for the edges.
import { madd, maddScalar } from './madd';

/**
 * Rows [0, rows) of C (rows 2 to 4) against 8 columns of B. With fewer than 4 rows (the M % 4
 * remainder: LeNet conv2's 150 im2col rows) the missing rows repeat the last real one: computed,
 * never stored.
 */
@inline function block4x8(K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: bool, rows: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const rowA = <usize>lda << 2;
  const row1 = <usize>min(1, rows - 1) * rowA;
  const row2 = <usize>min(2, rows - 1) * rowA;
  const row3 = <usize>min(3, rows - 1) * rowA;
  const rowB = <usize>ldb << 2;
  let pa = a;
  let pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(pa + row1);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(pa + row2);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(pa + row3);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    pa += 4;
    pb += rowB;
  }
  const rowC = <usize>ldc << 2;
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + rowC)); c11 = f32x4.add(c11, v128.load(c + rowC, 16));
    if (rows > 2) { c20 = f32x4.add(c20, v128.load(c + 2 * rowC)); c21 = f32x4.add(c21, v128.load(c + 2 * rowC, 16)); }
    if (rows > 3) { c30 = f32x4.add(c30, v128.load(c + 3 * rowC)); c31 = f32x4.add(c31, v128.load(c + 3 * rowC, 16)); }
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + rowC, c10); v128.store(c + rowC, c11, 16);
  if (rows > 2) { v128.store(c + 2 * rowC, c20); v128.store(c + 2 * rowC, c21, 16); }
  if (rows > 3) { v128.store(c + 3 * rowC, c30); v128.store(c + 3 * rowC, c31, 16); }
}

/** Four rows of C against 4 columns of B (the N % 8 >= 4 remainder). */
@inline function block4x4(K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  const rowA = <usize>lda << 2;
  const rowB = <usize>ldb << 2;
  let pa = a;
  let pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    c0 = madd(v128.load32_splat(pa), b0, c0);
    c1 = madd(v128.load32_splat(pa + rowA), b0, c1);
    c2 = madd(v128.load32_splat(pa + 2 * rowA), b0, c2);
    c3 = madd(v128.load32_splat(pa + 3 * rowA), b0, c3);
    pa += 4;
    pb += rowB;
  }
  const rowC = <usize>ldc << 2;
  if (accumulate) {
    c0 = f32x4.add(c0, v128.load(c)); c1 = f32x4.add(c1, v128.load(c + rowC));
    c2 = f32x4.add(c2, v128.load(c + 2 * rowC)); c3 = f32x4.add(c3, v128.load(c + 3 * rowC));
  }
  v128.store(c, c0); v128.store(c + rowC, c1); v128.store(c + 2 * rowC, c2); v128.store(c + 3 * rowC, c3);
}

/** One row of C against 8 columns of B. */
@inline function block1x8(K: i32, a: usize, b: usize, ldb: i32, c: usize, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  const rowB = <usize>ldb << 2;
  let pb = b;
  for (let k = 0; k < K; k++) {
    const av = v128.load32_splat(a + (<usize>k << 2));
    c0 = madd(av, v128.load(pb), c0);
    c1 = madd(av, v128.load(pb, 16), c1);
    pb += rowB;
  }
  if (accumulate) {
    c0 = f32x4.add(c0, v128.load(c));
    c1 = f32x4.add(c1, v128.load(c, 16));
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
}

/** One element of C, scalar (the ragged right edge). */
@inline function dot(K: i32, a: usize, b: usize, ldb: i32): f32 {
  let sum: f32 = 0;
  const rowB = <usize>ldb << 2;
  let pb = b;
  for (let k = 0; k < K; k++) {
    sum = maddScalar(load<f32>(a + (<usize>k << 2)), load<f32>(pb), sum);
    pb += rowB;
  }
  return sum;
}

/** Columns [from, N) of `rows` rows of C, one scalar dot product each (the ragged right edge). */
@inline function edgeColumns(K: i32, ai: usize, lda: i32, b: usize, ldb: i32, ci: usize, ldc: i32, acc: bool, rows: i32, from: i32, N: i32): void {
  for (let r = 0; r < rows; r++) {
    const ar = ai + (<usize>(r * lda) << 2);
    const cr = ci + (<usize>(r * ldc) << 2);
    for (let j = from; j < N; j++) {
      const v = dot(K, ar, b + (<usize>j << 2), ldb);
      const p = cr + (<usize>j << 2);
      store<f32>(p, acc ? load<f32>(p) + v : v);
    }
  }
}

export function sgemm(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  const acc = accumulate != 0;
  const N8 = N & ~7;
  const N4 = N & ~3;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const ai = a + (<usize>(i * lda) << 2);
    const ci = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < N8; j += 8) block4x8(K, ai, lda, b + (<usize>j << 2), ldb, ci + (<usize>j << 2), ldc, acc, 4);
    if (N4 > N8) block4x4(K, ai, lda, b + (<usize>N8 << 2), ldb, ci + (<usize>N8 << 2), ldc, acc);
    edgeColumns(K, ai, lda, b, ldb, ci, ldc, acc, 4, N4, N);
  }
  if (i + 2 <= M) {
    // 2 or 3 rows left: one short 4x8 block per 8 columns.
    const rows = M - i;
    const ai = a + (<usize>(i * lda) << 2);
    const ci = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < N8; j += 8) block4x8(K, ai, lda, b + (<usize>j << 2), ldb, ci + (<usize>j << 2), ldc, acc, rows);
    edgeColumns(K, ai, lda, b, ldb, ci, ldc, acc, rows, N8, N);
    i = M;
  }
  for (; i < M; i++) {
    const ai = a + (<usize>(i * lda) << 2);
    const ci = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < N8; j += 8) block1x8(K, ai, b + (<usize>j << 2), ldb, ci + (<usize>j << 2), acc);
    edgeColumns(K, ai, lda, b, ldb, ci, ldc, acc, 1, N8, N);
  }
}

/** dst[cols x rows] = src[rows x cols]ᵀ (the linear layers' W and dy, a convolution's W). */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  transposeStrided(src, rows, cols, cols, dst, rows);
}

/**
 * dst[j·ldDst + i] = src[i·ldSrc + j] for i < rows, j < cols: in 4 x 4 tiles (four rows of four,
 * transposed in registers), then the ragged rows and columns one by one (element by element
 * throughout, LeNet conv2's weight gradient took 1.07x as long). Tiles run down the columns of src,
 * so each pass fills four rows of dst from start to end: across src's rows instead, every tile's
 * four stores went to other lines of dst, and with dst's rows 1 KiB apart (a linear layer's dy of
 * 256 rows) those lines fell into 4 of L1's 64 sets and evicted each other (6x slower per element).
 */
export function transposeStrided(src: usize, rows: i32, cols: i32, ldSrc: i32, dst: usize, ldDst: i32): void {
  const rows4 = rows & ~3;
  const cols4 = cols & ~3;
  const rowS = <usize>ldSrc << 2;
  const rowD = <usize>ldDst << 2;
  for (let j = 0; j < cols4; j += 4) {
    const d0 = dst + <usize>j * rowD;
    for (let i = 0; i < rows4; i += 4) {
      const q = src + <usize>i * rowS + (<usize>j << 2);
      const r0 = v128.load(q), r1 = v128.load(q + rowS), r2 = v128.load(q + 2 * rowS), r3 = v128.load(q + 3 * rowS);
      const lo01 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), hi01 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const lo23 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), hi23 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const d = d0 + (<usize>i << 2);
      v128.store(d, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5));
      v128.store(d + rowD, v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7));
      v128.store(d + 2 * rowD, v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5));
      v128.store(d + 3 * rowD, v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7));
    }
  }
  // The ragged last columns (of the tiled rows), then the ragged last rows.
  for (let i = 0; i < rows4; i++) {
    for (let j = cols4; j < cols; j++) store<f32>(dst + <usize>j * rowD + (<usize>i << 2), load<f32>(src + <usize>i * rowS + (<usize>j << 2)));
  }
  for (let i = rows4; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f32>(dst + <usize>j * rowD + (<usize>i << 2), load<f32>(src + <usize>i * rowS + (<usize>j << 2)));
  }
}
