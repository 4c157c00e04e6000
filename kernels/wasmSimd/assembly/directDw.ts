// A convolution's weight gradient read straight from the image, at unit stride and no dilation: no
// im2col. dw[o][c][a][b] = sum over i, j of dy[o][i][j] · xp[c][i + a][j + b], where xp is the
// (zero-padded) image group: the taps' shifted windows are rows of xp as they are, so the taps x P
// column matrix im2col writes and the GEMM re-reads (LeNet conv2: as long as the GEMM itself) is gone.
import { madd } from './madd';

@inline function f32At(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/**
 * The first `lanes` floats at p (1 to 4) in an f32x4, the others +0: exact loads, never past the
 * row, so a short last block neither reads beyond the tensor nor multiplies what lies after the row
 * (a 0 · Inf there would be a NaN the reference never makes).
 */
@inline function loadFirst(p: usize, lanes: i32): v128 {
  if (lanes >= 4) return v128.load(p);
  if (lanes == 2) return v128.load64_zero(p);
  if (lanes == 1) return v128.load32_zero(p);
  return v128.load32_lane(p + 8, v128.load64_zero(p), 2);
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * dwg[o][c][a][b] += the contribution of G images, for o < og, c < cg: image n's group is at
 * xp + n·xStride bytes, [cg][Hp][Wp] (rows Wp apart, Hp >= outH + kh - 1, Wp >= outW + kw - 1), its
 * dy rows [og][outH][outW] at dyg + n·dyStride. Blocks of 4 output channels x 2 taps along b: 8
 * f32x4 sums over every position of the G images (four lanes along j), each summed across lanes at
 * the end and added to dw once (LeNet conv2: 8 images of 10 x 10, so the sums are long).
 */
export function directWeightGradient(
  xp: usize, xStride: usize, Hp: i32, Wp: i32, dyg: usize, dyStride: usize, G: i32, og: i32, cg: i32, kh: i32, kw: i32, outH: i32, outW: i32, dwg: usize,
): void {
  const taps = cg * kh * kw;
  const rowDy = <usize>outW << 2;
  const rowX = <usize>Wp << 2;
  const planeDy = <usize>(outH * outW) << 2;
  for (let o = 0; o < og; o += 4) {
    const rows = min(4, og - o);
    // Fewer than 4 channels left: the missing ones repeat the first, and are not stored.
    const d0 = f32At(dyg, o * outH * outW);
    const d1 = d0 + (rows > 1 ? planeDy : 0);
    const d2 = d0 + (rows > 2 ? 2 * planeDy : 0);
    const d3 = d0 + (rows > 3 ? 3 * planeDy : 0);
    for (let c = 0; c < cg; c++) {
      for (let a = 0; a < kh; a++) {
        const xa = f32At(xp, (c * Hp + a) * Wp);
        for (let b = 0; b < kw; b += 2) {
          const pair = b + 1 < kw;
          // A lone last tap reads the same column twice; its second sums are not stored.
          const xb0 = xa + (<usize>b << 2);
          const xb1 = xb0 + (pair ? 4 : 0);
          let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
          let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
          let image: usize = 0;
          let i = 0;
          for (let n = 0; n < G * outH; n++) {
            // n runs over the G images' rows: image = n / outH, row i = n % outH, kept incrementally (no division).
            const dyOff = image * dyStride + <usize>i * rowDy;
            const xOff = image * xStride + <usize>i * rowX;
            if (++i == outH) {
              i = 0;
              image++;
            }
            let j = 0;
            for (; j + 4 <= outW; j += 4) {
              const jo = <usize>j << 2;
              const x0 = v128.load(xb0 + xOff + jo);
              const x1 = v128.load(xb1 + xOff + jo);
              let dv = v128.load(d0 + dyOff + jo);
              s00 = madd(dv, x0, s00); s01 = madd(dv, x1, s01);
              dv = v128.load(d1 + dyOff + jo);
              s10 = madd(dv, x0, s10); s11 = madd(dv, x1, s11);
              dv = v128.load(d2 + dyOff + jo);
              s20 = madd(dv, x0, s20); s21 = madd(dv, x1, s21);
              dv = v128.load(d3 + dyOff + jo);
              s30 = madd(dv, x0, s30); s31 = madd(dv, x1, s31);
            }
            if (j < outW) {
              // The row's last 1 to 3 columns, the other lanes +0 on both sides.
              const lanes = outW - j;
              const jo = <usize>j << 2;
              const x0 = loadFirst(xb0 + xOff + jo, lanes);
              const x1 = loadFirst(xb1 + xOff + jo, lanes);
              let dv = loadFirst(d0 + dyOff + jo, lanes);
              s00 = madd(dv, x0, s00); s01 = madd(dv, x1, s01);
              dv = loadFirst(d1 + dyOff + jo, lanes);
              s10 = madd(dv, x0, s10); s11 = madd(dv, x1, s11);
              dv = loadFirst(d2 + dyOff + jo, lanes);
              s20 = madd(dv, x0, s20); s21 = madd(dv, x1, s21);
              dv = loadFirst(d3 + dyOff + jo, lanes);
              s30 = madd(dv, x0, s30); s31 = madd(dv, x1, s31);
            }
          }
          // No arrays here: the module's stub runtime never frees, so kernels allocate nothing.
          for (let r = 0; r < rows; r++) {
            const t = f32At(dwg, (o + r) * taps + (c * kh + a) * kw + b);
            const v0 = r == 0 ? s00 : r == 1 ? s10 : r == 2 ? s20 : s30;
            store<f32>(t, load<f32>(t) + hsum(v0));
            if (pair) {
              const v1 = r == 0 ? s01 : r == 1 ? s11 : r == 2 ? s21 : s31;
              store<f32>(t, load<f32>(t, 4) + hsum(v1), 4);
            }
          }
        }
      }
    }
  }
}
