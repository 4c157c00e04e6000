// The data movement around the GEMMs of a convolution: im2col, its adjoint col2im, bias.
// Pointers are byte addresses of f32 arrays in this module's memory.
import { copyRun, zeroRun } from './moves';

/**
 * cols[(c*kh + a)*kw + b][oh*outW + ow] = x[c][oh*sh - padTop + a*dh][ow*sw - padLeft + b*dw],
 * zero where that falls in the padding. x is one image's channel group [C, H, W]; cols rows are `ld`
 * apart (outH*outW for one image alone; more when several images sit side by side for one GEMM).
 */
export function im2col(
  x: usize, C: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, cols: usize, ld: i32,
): void {
  const P = ld;
  for (let c = 0; c < C; c++) {
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const row = cols + (<usize>(((c * kh + a) * kw + b) * P) << 2);
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * sh - padTop + a * dh;
          const out = row + (<usize>(oh * outW) << 2);
          if (ih < 0 || ih >= H) {
            zeroRun(out, outW);
            continue;
          }
          const xrow = x + (<usize>((c * H + ih) * W) << 2);
          if (sw == 1) {
            // Unit stride: one contiguous run of the input row, zeros either side of it.
            const shift = b * dw - padLeft; // iw = ow + shift
            const first = min(outW, max(0, -shift));
            const last = max(first, min(outW, W - shift));
            zeroRun(out, first);
            copyRun(out + (<usize>first << 2), xrow + (<usize>(first + shift) << 2), last - first);
            zeroRun(out + (<usize>last << 2), outW - last);
            continue;
          }
          for (let ow = 0; ow < outW; ow++) {
            const iw = ow * sw - padLeft + b * dw;
            store<f32>(out + (<usize>ow << 2), iw >= 0 && iw < W ? load<f32>(xrow + (<usize>iw << 2)) : 0);
          }
        }
      }
    }
  }
}

/**
 * The adjoint of im2col: dx[c][ih][iw] += dcols[...] for every window position that read it (rows `ld`
 * apart). Which output rows and columns of a tap land inside the image depends only on the tap, so
 * it is worked out once per tap; then the tap's rectangle of runs is added with pointer steps (worked
 * out per 10-float row, as it was, the bookkeeping cost more than the adds: LeNet conv2's col2im 1.88x).
 */
export function col2im(
  dcols: usize, C: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dh: i32, dw: i32,
  outH: i32, outW: i32, dx: usize, ld: i32,
): void {
  for (let c = 0; c < C; c++) {
    for (let a = 0; a < kh; a++) {
      // ih = oh*sh + top lies in [0, H) for oh in [ohFirst, ohEnd).
      const top = a * dh - padTop;
      const ohFirst = min(outH, top >= 0 ? 0 : (sh - 1 - top) / sh);
      const ohEnd = top > H - 1 ? 0 : min(outH, (H - 1 - top) / sh + 1);
      if (ohEnd <= ohFirst) continue;
      for (let b = 0; b < kw; b++) {
        const row = dcols + (<usize>(((c * kh + a) * kw + b) * ld) << 2);
        const shift = b * dw - padLeft; // iw = ow*sw + shift
        const dxFirst = dx + (<usize>((c * H + ohFirst * sh + top) * W) << 2);
        const srcFirst = row + (<usize>(ohFirst * outW) << 2);
        if (sw == 1) addRuns(dxFirst, srcFirst, ohEnd - ohFirst, outW, W, sh, shift);
        else addStrided(dxFirst, srcFirst, ohEnd - ohFirst, outW, W, sh, sw, shift);
      }
    }
  }
}

/**
 * dx rows (W floats, `sh` rows apart) += rows of src (outW floats), src column ow landing on dx
 * column ow + shift, those inside [0, W) only: one contiguous run per row, four lanes at a time, then
 * two in one 64-bit lane (LeNet conv2's runs are 10 wide: two f32x4 and this), then one.
 */
function addRuns(dx: usize, src: usize, rows: i32, outW: i32, W: i32, sh: i32, shift: i32): void {
  const first = min(outW, max(0, -shift));
  const n = max(first, min(outW, W - shift)) - first;
  const n4 = n & ~3;
  let d = dx + (<usize>(first + shift) << 2);
  let s = src + (<usize>first << 2);
  const dStep = <usize>(sh * W) << 2;
  const sStep = <usize>outW << 2;
  for (let r = 0; r < rows; r++) {
    let i = 0;
    for (; i < n4; i += 4) {
      const q = d + (<usize>i << 2);
      v128.store(q, f32x4.add(v128.load(q), v128.load(s + (<usize>i << 2))));
    }
    if (i + 2 <= n) {
      const q = d + (<usize>i << 2);
      v128.store64_lane(q, f32x4.add(v128.load64_zero(q), v128.load64_zero(s + (<usize>i << 2))), 0);
      i += 2;
    }
    if (i < n) {
      const q = d + (<usize>i << 2);
      store<f32>(q, load<f32>(q) + load<f32>(s + (<usize>i << 2)));
    }
    d += dStep;
    s += sStep;
  }
}

/** addRuns at a column stride `sw` > 1: scalar adds, skipping the columns that land outside [0, W). */
function addStrided(dx: usize, src: usize, rows: i32, outW: i32, W: i32, sh: i32, sw: i32, shift: i32): void {
  for (let r = 0; r < rows; r++) {
    const d = dx + (<usize>(r * sh * W) << 2);
    const s = src + (<usize>(r * outW) << 2);
    for (let ow = 0; ow < outW; ow++) {
      const iw = ow * sw + shift;
      if (iw < 0 || iw >= W) continue;
      const p = d + (<usize>iw << 2);
      store<f32>(p, load<f32>(p) + load<f32>(s + (<usize>ow << 2)));
    }
  }
}

/** y[n][o][p] += bias[o] for a [N, Cout, P] tensor (P = outH*outW, or 1 for a linear layer's [N, out]). */
export function addBias(y: usize, N: i32, Cout: i32, P: i32, bias: usize): void {
  if (P == 1) {
    // A linear layer's [N, out]: the bias row added to each row, four lanes at a time (one channel at
    // a time, with a splat each, took 35 µs for LeNet's fc1, 256 x 120).
    for (let n = 0; n < N; n++) {
      const row = y + (<usize>(n * Cout) << 2);
      let o = 0;
      for (; o + 4 <= Cout; o += 4) {
        const p = row + (<usize>o << 2);
        v128.store(p, f32x4.add(v128.load(p), v128.load(bias + (<usize>o << 2))));
      }
      for (; o < Cout; o++) {
        const p = row + (<usize>o << 2);
        store<f32>(p, load<f32>(p) + load<f32>(bias + (<usize>o << 2)));
      }
    }
    return;
  }
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < Cout; o++) {
      const v = f32x4.splat(load<f32>(bias + (<usize>o << 2)));
      const s = load<f32>(bias + (<usize>o << 2));
      let p = y + (<usize>((n * Cout + o) * P) << 2);
      const end = p + (<usize>P << 2);
      for (; p + 16 <= end; p += 16) v128.store(p, f32x4.add(v128.load(p), v));
      for (; p < end; p += 4) store<f32>(p, load<f32>(p) + s);
    }
  }
}

/**
 * db[o] = sum over n and p of dy[n][o][p]: eight running sums per channel (lanes p mod 8, two
 * f32x4, so two chains of dependent adds run at once, not one), added together at the end; a sum
 * in another order than the reference's, within the same error model.
 */
export function sumBias(dy: usize, N: i32, Cout: i32, P: i32, db: usize): void {
  const P8 = P & ~7;
  const P4 = P & ~3;
  for (let o = 0; o < Cout; o++) {
    let lo = f32x4.splat(0);
    let hi = f32x4.splat(0);
    let tail: f32 = 0;
    for (let n = 0; n < N; n++) {
      const row = dy + (<usize>((n * Cout + o) * P) << 2);
      for (let p = 0; p < P8; p += 8) {
        lo = f32x4.add(lo, v128.load(row + (<usize>p << 2)));
        hi = f32x4.add(hi, v128.load(row + (<usize>p << 2), 16));
      }
      if (P4 > P8) lo = f32x4.add(lo, v128.load(row + (<usize>P8 << 2)));
      for (let p = P4; p < P; p++) tail += load<f32>(row + (<usize>p << 2));
    }
    const lanes = f32x4.add(lo, hi);
    const sum = f32x4.extract_lane(lanes, 0) + f32x4.extract_lane(lanes, 1) + f32x4.extract_lane(lanes, 2) + f32x4.extract_lane(lanes, 3) + tail;
    store<f32>(db + (<usize>o << 2), sum);
  }
}
