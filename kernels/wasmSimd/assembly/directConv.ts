// Direct convolution, forward, at unit stride along W: no im2col. The GEMM's 4x8 register block
// (4 output channels x 8 output columns) reads its B rows straight from the (zero-padded) image
// through a table of tap offsets, so any dilation and any stride along H work, and writing and
// re-reading a taps x P column matrix (about half the time of LeNet's convolutions behind im2col)
// is gone. The sum runs over the taps in the same order as the GEMM's, so both give the same bits.
import { copyRun, zeroRun } from './moves';
import { madd } from './madd';

@inline function f32At(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** offsets[k] = where tap k = (c*kh + a)*kw + b sits from a window's corner, in floats: (c*Hp + a*dh)*Wp + b*dw. */
export function directTapOffsets(cg: i32, kh: i32, kw: i32, dh: i32, dw: i32, Hp: i32, Wp: i32, offsets: usize): void {
  for (let c = 0; c < cg; c++) {
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) store<i32>(offsets + (<usize>(((c * kh + a) * kw + b)) << 2), (c * Hp + a * dh) * Wp + b * dw);
    }
  }
}

/**
 * xp[c][r][q] = x[c][r - padTop][q - padLeft], zero outside x: the Hp x Wp extent the windows read.
 * x is one image's channel group.
 */
export function padImage(x: usize, C: i32, H: i32, W: i32, padTop: i32, padLeft: i32, Hp: i32, Wp: i32, xp: usize): void {
  zeroRun(xp, C * Hp * Wp);
  const rows = min(H, Hp - padTop);
  const first = max(0, -padLeft); // columns of x that land inside [0, Wp)
  const last = min(W, Wp - padLeft);
  if (last <= first) return;
  for (let c = 0; c < C; c++) {
    for (let r = max(0, -padTop); r < rows; r++) {
      copyRun(f32At(xp, (c * Hp + r + padTop) * Wp + first + padLeft), f32At(x, (c * H + r) * W + first), last - first);
    }
  }
}

/** Stores the first `valid` of 8 outputs (two f32x4) at y. */
@inline function storeRow(y: usize, lo: v128, hi: v128, valid: i32): void {
  if (valid == 8) {
    v128.store(y, lo);
    v128.store(y, hi, 16);
    return;
  }
  if (valid >= 4) {
    v128.store(y, lo);
    if (valid > 4) store<f32>(y, f32x4.extract_lane(hi, 0), 16);
    if (valid > 5) store<f32>(y, f32x4.extract_lane(hi, 1), 20);
    if (valid > 6) store<f32>(y, f32x4.extract_lane(hi, 2), 24);
    return;
  }
  store<f32>(y, f32x4.extract_lane(lo, 0));
  if (valid > 1) store<f32>(y, f32x4.extract_lane(lo, 1), 4);
  if (valid > 2) store<f32>(y, f32x4.extract_lane(lo, 2), 8);
}

/**
 * y[o][p] for o < og and every output position p of one image's channel group, at unit stride
 * along W: xp is the padded group [cg][Hp][Wp] (with 8 floats of slack after it: a short last
 * block reads past its row), w the group's weights [og][taps], offsets its tap table, y the group's
 * first output channel ([og][outH*outW]). Blocks of 4 output channels x 8 consecutive output
 * columns, the GEMM's 4x8 block with B's rows read from the image at the tap offsets, then each
 * row's last 1 to 4 columns in blocks of several rows (convDirectTail); a short channel block
 * repeats its last channel and does not store it.
 */
export function convDirectImage(
  xp: usize, Wp: i32, w: usize, bias: usize, offsets: usize, taps: i32, og: i32, sh: i32, outH: i32, outW: i32, y: usize,
): void {
  const P = outH * outW;
  const rowA = <usize>taps << 2;
  for (let o = 0; o < og; o += 4) {
    const rows = min(4, og - o);
    if (rows <= 2) {
      // One or two channels left (LeNet conv1's 6 = 4 + 2): 2 channels x 2 rows x 8 columns, not a 4x8 block half of whose work is thrown away.
      convDirectPair(xp, Wp, w + <usize>o * rowA, bias == 0 ? 0 : bias + (<usize>o << 2), offsets, taps, rows, sh, outH, outW, y + (<usize>(o * P) << 2));
      continue;
    }
    const a0 = w + <usize>o * rowA;
    // Rows past og repeat the last real one (computed, never stored).
    const a1 = a0 + <usize>min(1, rows - 1) * rowA;
    const a2 = a0 + <usize>min(2, rows - 1) * rowA;
    const a3 = a0 + <usize>min(3, rows - 1) * rowA;
    // Each channel's bias, added to its finished sums (no bias: nothing added, so a -0 sum stays -0).
    const withBias = bias != 0;
    const bv0 = withBias ? v128.load32_splat(bias + (<usize>o << 2)) : f32x4.splat(0);
    const bv1 = withBias ? v128.load32_splat(bias + (<usize>(o + min(1, rows - 1)) << 2)) : f32x4.splat(0);
    const bv2 = withBias ? v128.load32_splat(bias + (<usize>(o + min(2, rows - 1)) << 2)) : f32x4.splat(0);
    const bv3 = withBias ? v128.load32_splat(bias + (<usize>(o + min(3, rows - 1)) << 2)) : f32x4.splat(0);
    const rowC = <usize>P << 2;
    const mainEnd = blockedColumns(outW);
    for (let oh = 0; oh < outH; oh++) {
      const xrow = xp + (<usize>(oh * sh * Wp) << 2);
      for (let ow = 0; ow < mainEnd; ow += 8) {
        const xb = xrow + (<usize>ow << 2);
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        for (let k = 0; k < taps; k++) {
          const kb = <usize>k << 2;
          const pb = xb + (<usize>load<i32>(offsets + kb) << 2);
          const b0 = v128.load(pb);
          const b1 = v128.load(pb, 16);
          let av = v128.load32_splat(a0 + kb);
          c00 = madd(av, b0, c00);
          c01 = madd(av, b1, c01);
          av = v128.load32_splat(a1 + kb);
          c10 = madd(av, b0, c10);
          c11 = madd(av, b1, c11);
          av = v128.load32_splat(a2 + kb);
          c20 = madd(av, b0, c20);
          c21 = madd(av, b1, c21);
          av = v128.load32_splat(a3 + kb);
          c30 = madd(av, b0, c30);
          c31 = madd(av, b1, c31);
        }
        const valid = min(8, outW - ow);
        const yp = y + (<usize>(o * P + oh * outW + ow) << 2);
        if (withBias) {
          c00 = f32x4.add(c00, bv0); c01 = f32x4.add(c01, bv0); c10 = f32x4.add(c10, bv1); c11 = f32x4.add(c11, bv1);
          c20 = f32x4.add(c20, bv2); c21 = f32x4.add(c21, bv2); c30 = f32x4.add(c30, bv3); c31 = f32x4.add(c31, bv3);
        }
        storeRow(yp, c00, c01, valid);
        if (rows > 1) storeRow(yp + rowC, c10, c11, valid);
        if (rows > 2) storeRow(yp + 2 * rowC, c20, c21, valid);
        if (rows > 3) storeRow(yp + 3 * rowC, c30, c31, valid);
      }
    }
    if (mainEnd < outW) convDirectTail(xp, Wp, a0, a1, a2, a3, withBias, bv0, bv1, bv2, bv3, offsets, taps, rows, sh, outH, outW, mainEnd, y + (<usize>(o * P) << 2));
  }
}

/** Output columns the 8-wide blocks cover (the last block may be short); the 1 to 4 after them are the tail. */
@inline function blockedColumns(outW: i32): i32 {
  let end = 0;
  while (end + 4 < outW) end += 8;
  return end;
}

/**
 * The last 1 to 4 columns (from `first`) of every output row, for up to 4 channels (rows of w at
 * a0..a3; those past `rows` repeat one, never stored): 4x8 blocks whose two f32x4 each hold the
 * tails of two rows (tails of 1 or 2: 4 rows a block) or of one row (tails of 3 or 4: 2 rows a
 * block), then 4x4 blocks for the rows left. A 4x4 block per row's tail left half the FMA pipeline
 * idle (4 chains of dependent multiply-adds) and, on LeNet conv2's rows of 8 + 2, half its lanes.
 * Each output's taps run in the same order as in the 8-wide blocks: the same bits.
 */
@inline function convDirectTail(
  xp: usize, Wp: i32, a0: usize, a1: usize, a2: usize, a3: usize, withBias: bool, bv0: v128, bv1: v128, bv2: v128, bv3: v128,
  offsets: usize, taps: i32, rows: i32, sh: i32, outH: i32, outW: i32, first: i32, y: usize,
): void {
  const tail = outW - first;
  const half = tail <= 2; // an f32x4 holds two rows' tails
  const rowsPerVector = half ? 2 : 1;
  const rowC = <usize>(outH * outW) << 2;
  const step = <usize>(sh * Wp) << 2; // from one output row's window to the next's
  for (let r0 = 0; r0 < outH;) {
    const left = outH - r0;
    const yp = y + (<usize>(r0 * outW + first) << 2);
    const x0 = xp + (<usize>(r0 * sh * Wp + first) << 2);
    if (left < 2 * rowsPerVector) {
      // One f32x4: two rows' halves, or one row's four lanes as two halves (a lone last row repeats itself, never stored).
      const second = half ? (left > 1 ? step : 0) : 8;
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      for (let k = 0; k < taps; k++) {
        const kb = <usize>k << 2;
        const pb = x0 + (<usize>load<i32>(offsets + kb) << 2);
        const b0 = v128.load64_lane(pb + second, v128.load64_zero(pb), 1);
        c0 = madd(v128.load32_splat(a0 + kb), b0, c0);
        c1 = madd(v128.load32_splat(a1 + kb), b0, c1);
        c2 = madd(v128.load32_splat(a2 + kb), b0, c2);
        c3 = madd(v128.load32_splat(a3 + kb), b0, c3);
      }
      if (withBias) {
        c0 = f32x4.add(c0, bv0); c1 = f32x4.add(c1, bv1); c2 = f32x4.add(c2, bv2); c3 = f32x4.add(c3, bv3);
      }
      const done = min(left, rowsPerVector);
      storeTail(yp, outW, done, c0, c0, tail);
      if (rows > 1) storeTail(yp + rowC, outW, done, c1, c1, tail);
      if (rows > 2) storeTail(yp + 2 * rowC, outW, done, c2, c2, tail);
      if (rows > 3) storeTail(yp + 3 * rowC, outW, done, c3, c3, tail);
      r0 += done;
      continue;
    }
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    if (half) {
      for (let k = 0; k < taps; k++) {
        const kb = <usize>k << 2;
        const pb = x0 + (<usize>load<i32>(offsets + kb) << 2);
        const b0 = v128.load64_lane(pb + step, v128.load64_zero(pb), 1);
        const b1 = v128.load64_lane(pb + 3 * step, v128.load64_zero(pb + 2 * step), 1);
        let av = v128.load32_splat(a0 + kb);
        c00 = madd(av, b0, c00);
        c01 = madd(av, b1, c01);
        av = v128.load32_splat(a1 + kb);
        c10 = madd(av, b0, c10);
        c11 = madd(av, b1, c11);
        av = v128.load32_splat(a2 + kb);
        c20 = madd(av, b0, c20);
        c21 = madd(av, b1, c21);
        av = v128.load32_splat(a3 + kb);
        c30 = madd(av, b0, c30);
        c31 = madd(av, b1, c31);
      }
    } else {
      for (let k = 0; k < taps; k++) {
        const kb = <usize>k << 2;
        const pb = x0 + (<usize>load<i32>(offsets + kb) << 2);
        const b0 = v128.load(pb);
        const b1 = v128.load(pb + step);
        let av = v128.load32_splat(a0 + kb);
        c00 = madd(av, b0, c00);
        c01 = madd(av, b1, c01);
        av = v128.load32_splat(a1 + kb);
        c10 = madd(av, b0, c10);
        c11 = madd(av, b1, c11);
        av = v128.load32_splat(a2 + kb);
        c20 = madd(av, b0, c20);
        c21 = madd(av, b1, c21);
        av = v128.load32_splat(a3 + kb);
        c30 = madd(av, b0, c30);
        c31 = madd(av, b1, c31);
      }
    }
    if (withBias) {
      c00 = f32x4.add(c00, bv0); c01 = f32x4.add(c01, bv0); c10 = f32x4.add(c10, bv1); c11 = f32x4.add(c11, bv1);
      c20 = f32x4.add(c20, bv2); c21 = f32x4.add(c21, bv2); c30 = f32x4.add(c30, bv3); c31 = f32x4.add(c31, bv3);
    }
    storeTail(yp, outW, 4, c00, c01, tail);
    if (rows > 1) storeTail(yp + rowC, outW, 4, c10, c11, tail);
    if (rows > 2) storeTail(yp + 2 * rowC, outW, 4, c20, c21, tail);
    if (rows > 3) storeTail(yp + 3 * rowC, outW, 4, c30, c31, tail);
    r0 += 2 * rowsPerVector;
  }
}

/**
 * One channel's tail block at y (its first row's first tail column), storing at most `count` rows:
 * tails of 1-2, lo = rows 0 and 1, hi = rows 2 and 3; of 3-4, lo = row 0, hi = row 1.
 */
@inline function storeTail(y: usize, outW: i32, count: i32, lo: v128, hi: v128, tail: i32): void {
  const row = <usize>outW << 2;
  if (tail > 2) {
    storeRow(y, lo, f32x4.splat(0), tail);
    if (count > 1) storeRow(y + row, hi, f32x4.splat(0), tail);
    return;
  }
  storeTwo(y, lo, 0, tail);
  if (count > 1) storeTwo(y + row, lo, 1, tail);
  if (count > 2) storeTwo(y + 2 * row, hi, 0, tail);
  if (count > 3) storeTwo(y + 3 * row, hi, 1, tail);
}

/** The first `tail` (1 or 2) floats of half `h` (lanes 2h, 2h+1) of c, at y. */
@inline function storeTwo(y: usize, c: v128, h: i32, tail: i32): void {
  if (tail == 2) {
    if (h == 0) v128.store64_lane(y, c, 0);
    else v128.store64_lane(y, c, 1);
    return;
  }
  store<f32>(y, h == 0 ? f32x4.extract_lane(c, 0) : f32x4.extract_lane(c, 2));
}

/**
 * convDirectImage for the last one or two output channels: 2 channels x 2 rows x 8 columns (8
 * sums, as the 4x8 block has: 2 x 8 alone, 4 chains of dependent multiply-adds, left half the FMA
 * pipeline idle; LeNet conv1 forward 1.07-1.09x), then the row tails in convDirectTail with the two
 * channels taken twice; the same taps in the same order, so the same bits. A single channel
 * repeats itself (computed, never stored). `w` and `bias` point at the first of the two, y at its plane.
 */
function convDirectPair(xp: usize, Wp: i32, w: usize, bias: usize, offsets: usize, taps: i32, rows: i32, sh: i32, outH: i32, outW: i32, y: usize): void {
  const P = outH * outW;
  const rowA = <usize>taps << 2;
  const a0 = w;
  const a1 = w + <usize>min(1, rows - 1) * rowA;
  const withBias = bias != 0;
  const bv0 = withBias ? v128.load32_splat(bias) : f32x4.splat(0);
  const bv1 = withBias ? v128.load32_splat(bias + (<usize>min(1, rows - 1) << 2)) : f32x4.splat(0);
  const rowC = <usize>P << 2;
  const mainEnd = blockedColumns(outW);
  const step = <usize>(sh * Wp) << 2;
  for (let oh = 0; oh < outH; oh += 2) {
    // Two rows at once where there are two: 8 independent sums per tap (4, one row's, keep half the FMA pipeline idle).
    const both = oh + 1 < outH;
    const xrow = xp + (<usize>(oh * sh * Wp) << 2);
    for (let ow = 0; ow < mainEnd; ow += 8) {
      const xb = xrow + (<usize>ow << 2);
      // The second row's sums (c02..c13) repeat the first's when there is no second row (computed, never stored).
      const next = both ? step : 0;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c02 = f32x4.splat(0), c03 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
      for (let k = 0; k < taps; k++) {
        const kb = <usize>k << 2;
        const pb = xb + (<usize>load<i32>(offsets + kb) << 2);
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        const b2 = v128.load(pb + next);
        const b3 = v128.load(pb + next, 16);
        let av = v128.load32_splat(a0 + kb);
        c00 = madd(av, b0, c00);
        c01 = madd(av, b1, c01);
        c02 = madd(av, b2, c02);
        c03 = madd(av, b3, c03);
        av = v128.load32_splat(a1 + kb);
        c10 = madd(av, b0, c10);
        c11 = madd(av, b1, c11);
        c12 = madd(av, b2, c12);
        c13 = madd(av, b3, c13);
      }
      const valid = min(8, outW - ow);
      const yp = y + (<usize>(oh * outW + ow) << 2);
      if (withBias) {
        c00 = f32x4.add(c00, bv0); c01 = f32x4.add(c01, bv0); c10 = f32x4.add(c10, bv1); c11 = f32x4.add(c11, bv1);
        c02 = f32x4.add(c02, bv0); c03 = f32x4.add(c03, bv0); c12 = f32x4.add(c12, bv1); c13 = f32x4.add(c13, bv1);
      }
      const row = <usize>outW << 2;
      storeRow(yp, c00, c01, valid);
      if (rows > 1) storeRow(yp + rowC, c10, c11, valid);
      if (both) {
        storeRow(yp + row, c02, c03, valid);
        if (rows > 1) storeRow(yp + rowC + row, c12, c13, valid);
      }
    }
  }
  // The tails in the 4-channel tail block with the pair's two rows of w taken twice: 8 chains of multiply-adds, half of
  // them never stored (a 2-channel tail block would have 4, and leave the FMA pipeline as idle as the 2x4 block it replaced).
  if (mainEnd < outW) convDirectTail(xp, Wp, a0, a1, a0, a1, withBias, bv0, bv1, bv0, bv1, offsets, taps, rows, sh, outH, outW, mainEnd, y);
}
