// Max and average pooling with PyTorch's semantics (the reference's rules, ported): per-side
// padding, dilation (max), ceil-mode windows clipped to the padded input, countIncludePad, NaN wins.
// The chapter's window, 2x2 at stride 2 without padding, runs four outputs per f32x4 step over a
// row's whole windows (average pooling: then two, then one; max pooling: its last 1-3 whole windows
// take the scalar rule); the rest (other windows, ceil-mode windows cut short by the input) run the
// scalar rule.
import { zeroRun } from './moves';

/** Flat index (within the plane) of the window's winner, or -1 for an all-padding window. */
@inline function winner(
  x: usize, H: i32, W: i32, i: i32, j: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dh: i32, dw: i32,
): i32 {
  let best: f32 = -Infinity;
  let win = -1;
  for (let a = 0; a < kh; a++) {
    const row = i * sh - padTop + a * dh;
    if (row < 0 || row >= H) continue;
    for (let b = 0; b < kw; b++) {
      const col = j * sw - padLeft + b * dw;
      if (col < 0 || col >= W) continue;
      const v = load<f32>(x + (<usize>(row * W + col) << 2));
      if (win == -1 || v > best || v != v) {
        best = v;
        win = row * W + col;
      }
    }
  }
  return win;
}

/**
 * The 2x2 stride-2 max over output columns [0, j4) of one row, four outputs per step. The scalar
 * rule, lane by lane: candidates in row-major order, a later one wins if it is greater or NaN.
 * Writes the winners' values (y) or, for the backward pass, routes dy to the winners (dx).
 */
@inline function maxRow2x2(x0: usize, x1: usize, j4: i32, y: usize, dy: usize, dx0: usize, dx1: usize, backward: bool): void {
  for (let j = 0; j < j4; j += 4) {
    const off = <usize>j << 3;
    const a0 = v128.load(x0 + off), a1 = v128.load(x0 + off, 16);
    const b0 = v128.load(x1 + off), b1 = v128.load(x1 + off, 16);
    const topLeft = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), topRight = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
    const bottomLeft = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), bottomRight = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
    let best = topLeft;
    let win = i32x4.splat(0);
    let m = v128.or(f32x4.gt(topRight, best), f32x4.ne(topRight, topRight));
    best = v128.bitselect(topRight, best, m); win = v128.bitselect(i32x4.splat(1), win, m);
    m = v128.or(f32x4.gt(bottomLeft, best), f32x4.ne(bottomLeft, bottomLeft));
    best = v128.bitselect(bottomLeft, best, m); win = v128.bitselect(i32x4.splat(2), win, m);
    m = v128.or(f32x4.gt(bottomRight, best), f32x4.ne(bottomRight, bottomRight));
    best = v128.bitselect(bottomRight, best, m); win = v128.bitselect(i32x4.splat(3), win, m);
    if (!backward) {
      v128.store(y + (<usize>j << 2), best);
      continue;
    }
    // Each window's dy to its winner, zero to the other three (the windows do not overlap).
    const g = v128.load(dy + (<usize>j << 2));
    const zero = f32x4.splat(0);
    const gTL = v128.bitselect(g, zero, i32x4.eq(win, i32x4.splat(0))), gTR = v128.bitselect(g, zero, i32x4.eq(win, i32x4.splat(1)));
    const gBL = v128.bitselect(g, zero, i32x4.eq(win, i32x4.splat(2))), gBR = v128.bitselect(g, zero, i32x4.eq(win, i32x4.splat(3)));
    // Interleave back to input columns: (TL0, TR0, TL1, TR1), (TL2, TR2, TL3, TR3).
    v128.store(dx0 + off, f32x4.add(v128.load(dx0 + off), v128.shuffle<f32>(gTL, gTR, 0, 4, 1, 5)));
    v128.store(dx0 + off, f32x4.add(v128.load(dx0 + off, 16), v128.shuffle<f32>(gTL, gTR, 2, 6, 3, 7)), 16);
    v128.store(dx1 + off, f32x4.add(v128.load(dx1 + off), v128.shuffle<f32>(gBL, gBR, 0, 4, 1, 5)));
    v128.store(dx1 + off, f32x4.add(v128.load(dx1 + off, 16), v128.shuffle<f32>(gBL, gBR, 2, 6, 3, 7)), 16);
  }
}

export function maxPoolForward(
  x: usize, planes: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, y: usize,
): void {
  const j4 = dh == 1 && dw == 1 ? whole2x2Columns(kh, kw, sh, sw, padTop, 0, padLeft, 0, W, outW) & ~3 : 0;
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>(p * H * W) << 2);
    for (let i = 0; i < outH; i++) {
      const yRow = y + (<usize>((p * outH + i) * outW) << 2);
      const fast = 2 * i + 1 < H ? j4 : 0;
      if (fast > 0) maxRow2x2(xp + (<usize>(2 * i * W) << 2), xp + (<usize>((2 * i + 1) * W) << 2), fast, yRow, 0, 0, 0, false);
      for (let j = fast; j < outW; j++) {
        const w = winner(xp, H, W, i, j, kh, kw, sh, sw, padTop, padLeft, dh, dw);
        store<f32>(yRow + (<usize>j << 2), w < 0 ? -Infinity : load<f32>(xp + (<usize>w << 2)));
      }
    }
  }
}

/** dx = the sum of dy over the windows each cell wins (dx's planes are zeroed here first). */
export function maxPoolBackward(
  dy: usize, x: usize, planes: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, dx: usize,
): void {
  const j4 = dh == 1 && dw == 1 ? whole2x2Columns(kh, kw, sh, sw, padTop, 0, padLeft, 0, W, outW) & ~3 : 0;
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>(p * H * W) << 2);
    const dxp = dx + (<usize>(p * H * W) << 2);
    zeroRun(dxp, H * W); // zeroed here, plane by plane: on this thread, and in cache
    for (let i = 0; i < outH; i++) {
      const dyRow = dy + (<usize>((p * outH + i) * outW) << 2);
      const fast = 2 * i + 1 < H ? j4 : 0;
      if (fast > 0) {
        const r0 = <usize>(2 * i * W) << 2, r1 = <usize>((2 * i + 1) * W) << 2;
        maxRow2x2(xp + r0, xp + r1, fast, 0, dyRow, dxp + r0, dxp + r1, true);
      }
      for (let j = fast; j < outW; j++) {
        const w = winner(xp, H, W, i, j, kh, kw, sh, sw, padTop, padLeft, dh, dw);
        if (w < 0) continue;
        const q = dxp + (<usize>w << 2);
        store<f32>(q, load<f32>(q) + load<f32>(dyRow + (<usize>j << 2)));
      }
    }
  }
}

// One window's bounds: [top, bottom) x [left, right) clipped to the padded input, then to the real one.
let rowStart = 0, rowEnd = 0, colStart = 0, colEnd = 0;
let divisor: f32 = 1;

@inline function window(
  i: i32, j: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padBottom: i32, padLeft: i32, padRight: i32, countIncludePad: i32,
): void {
  const top = i * sh - padTop;
  const left = j * sw - padLeft;
  const bottom = min(top + kh, H + padBottom);
  const right = min(left + kw, W + padRight);
  rowStart = max(top, 0);
  colStart = max(left, 0);
  rowEnd = min(bottom, H);
  colEnd = min(right, W);
  divisor = <f32>(countIncludePad != 0 ? (bottom - top) * (right - left) : (rowEnd - rowStart) * (colEnd - colStart));
}

/**
 * The chapter's pooling window, 2x2 at stride 2 with no padding, over output columns [0, n) of one
 * row: four outputs per step from two f32x4 loads of each input row, then two, then one. The sum is
 * taken in the reference's order, from +0: (((0 + x00) + x01) + x10) + x11 (so a window of -0s gives
 * +0, as the reference's does), times 1/4 (exact, as the division is): the scalar loop's bits.
 */
@inline function avgRow2x2(x0: usize, x1: usize, y: usize, n: i32): void {
  const quarter = f32x4.splat(0.25);
  const zero = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 3; // 8 inputs per 4 outputs
    const a0 = v128.load(x0 + off), a1 = v128.load(x0 + off, 16);
    const b0 = v128.load(x1 + off), b1 = v128.load(x1 + off, 16);
    const topLeft = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), topRight = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
    const bottomLeft = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), bottomRight = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
    const sum = f32x4.add(f32x4.add(f32x4.add(f32x4.add(zero, topLeft), topRight), bottomLeft), bottomRight);
    v128.store(y + (<usize>j << 2), f32x4.mul(sum, quarter));
  }
  if (j + 2 <= n) {
    // Two outputs from one f32x4 of each row (lanes 2 and 3 unused).
    const off = <usize>j << 3;
    const a = v128.load(x0 + off), b = v128.load(x1 + off);
    const sum = f32x4.add(f32x4.add(f32x4.add(f32x4.add(zero, v128.shuffle<f32>(a, a, 0, 2, 0, 2)), v128.shuffle<f32>(a, a, 1, 3, 1, 3)), v128.shuffle<f32>(b, b, 0, 2, 0, 2)), v128.shuffle<f32>(b, b, 1, 3, 1, 3));
    v128.store64_lane(y + (<usize>j << 2), f32x4.mul(sum, quarter), 0);
    j += 2;
  }
  if (j < n) {
    const off = <usize>j << 3;
    store<f32>(y + (<usize>j << 2), ((((<f32>0 + load<f32>(x0 + off)) + load<f32>(x0 + off, 4)) + load<f32>(x1 + off)) + load<f32>(x1 + off, 4)) * 0.25);
  }
}

/**
 * Its adjoint: each dy / 4 goes to the four cells of its window. The windows do not overlap: where
 * they tile the plane (`tiled`) the shares are stored, else added to the zeroed dx. Each share is
 * (0 + dy) / 4, as the reference's zeroed cell plus dy / 4 is: a -0 dy gives +0 either way.
 */
@inline function avgRow2x2Backward(dy: usize, dx0: usize, dx1: usize, n: i32, tiled: bool): void {
  const quarter = f32x4.splat(0.25);
  const zero = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const share = f32x4.mul(f32x4.add(zero, v128.load(dy + (<usize>j << 2))), quarter);
    const left = v128.shuffle<f32>(share, share, 0, 0, 1, 1), right = v128.shuffle<f32>(share, share, 2, 2, 3, 3);
    const off = <usize>j << 3;
    if (tiled) {
      v128.store(dx0 + off, left); v128.store(dx0 + off, right, 16);
      v128.store(dx1 + off, left); v128.store(dx1 + off, right, 16);
    } else {
      v128.store(dx0 + off, f32x4.add(v128.load(dx0 + off), left)); v128.store(dx0 + off, f32x4.add(v128.load(dx0 + off, 16), right), 16);
      v128.store(dx1 + off, f32x4.add(v128.load(dx1 + off), left)); v128.store(dx1 + off, f32x4.add(v128.load(dx1 + off, 16), right), 16);
    }
  }
  for (; j < n; j++) {
    const share = (<f32>0 + load<f32>(dy + (<usize>j << 2))) * 0.25;
    const pair = f32x4.splat(share);
    const off = <usize>j << 3;
    if (tiled) {
      v128.store64_lane(dx0 + off, pair, 0);
      v128.store64_lane(dx1 + off, pair, 0);
    } else {
      v128.store64_lane(dx0 + off, f32x4.add(v128.load64_zero(dx0 + off), pair), 0);
      v128.store64_lane(dx1 + off, f32x4.add(v128.load64_zero(dx1 + off), pair), 0);
    }
  }
}

/**
 * Output columns the 2x2 stride-2 fast path covers in each row: whole windows only (a ceil-mode
 * last window can stick out of the input); 0 when the window is another.
 */
@inline function whole2x2Columns(kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padBottom: i32, padLeft: i32, padRight: i32, W: i32, outW: i32): i32 {
  const chapterWindow = kh == 2 && kw == 2 && sh == 2 && sw == 2 && padTop == 0 && padBottom == 0 && padLeft == 0 && padRight == 0;
  return chapterWindow ? min(outW, W >> 1) : 0;
}

export function avgPoolForward(
  x: usize, planes: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padBottom: i32, padLeft: i32, padRight: i32,
  countIncludePad: i32, outH: i32, outW: i32, y: usize,
): void {
  const whole = whole2x2Columns(kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, W, outW);
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>(p * H * W) << 2);
    for (let i = 0; i < outH; i++) {
      const yRow = y + (<usize>((p * outH + i) * outW) << 2);
      // A ceil-mode last row can be cut short by the input: only whole windows go fast.
      const fast = 2 * i + 1 < H ? whole : 0;
      if (fast > 0) avgRow2x2(xp + (<usize>(2 * i * W) << 2), xp + (<usize>((2 * i + 1) * W) << 2), yRow, fast);
      for (let j = fast; j < outW; j++) {
        window(i, j, H, W, kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, countIncludePad);
        let sum: f32 = 0;
        for (let r = rowStart; r < rowEnd; r++) {
          for (let c = colStart; c < colEnd; c++) sum += load<f32>(xp + (<usize>(r * W + c) << 2));
        }
        store<f32>(yRow + (<usize>j << 2), sum / divisor);
      }
    }
  }
}

/** dx = the sum of dy / divisor over the windows that cover each cell (dx's planes zeroed here first, or, where the chapter's windows tile them, every cell stored). */
export function avgPoolBackward(
  dy: usize, planes: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padBottom: i32, padLeft: i32, padRight: i32,
  countIncludePad: i32, outH: i32, outW: i32, dx: usize,
): void {
  const whole = whole2x2Columns(kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, W, outW);
  // The chapter's windows tile an even plane: every cell gets exactly one share, stored, no zeroing.
  const tiled = whole > 0 && H == 2 * outH && W == 2 * outW;
  for (let p = 0; p < planes; p++) {
    const dxp = dx + (<usize>(p * H * W) << 2);
    if (!tiled) zeroRun(dxp, H * W); // zeroed here, plane by plane: on this thread, and in cache
    for (let i = 0; i < outH; i++) {
      const dyRow = dy + (<usize>((p * outH + i) * outW) << 2);
      const fast = 2 * i + 1 < H ? whole : 0;
      if (fast > 0) avgRow2x2Backward(dyRow, dxp + (<usize>(2 * i * W) << 2), dxp + (<usize>((2 * i + 1) * W) << 2), fast, tiled);
      for (let j = fast; j < outW; j++) {
        window(i, j, H, W, kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, countIncludePad);
        const share = load<f32>(dyRow + (<usize>j << 2)) / divisor;
        for (let r = rowStart; r < rowEnd; r++) {
          for (let c = colStart; c < colEnd; c++) {
            const q = dxp + (<usize>(r * W + c) << 2);
            store<f32>(q, load<f32>(q) + share);
          }
        }
      }
    }
  }
}
