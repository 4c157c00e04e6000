// A convolution's weight gradient read straight from the image, at unit stride: no im2col.
// dw[o][k] = sum over i, j of dy[o][i][j] · xp[offsets[k] + i·Wp + j], where xp is the (zero-padded)
// image group and offsets the tap table (directTapOffsets): each tap's shifted window is rows of xp
// as they are, so the taps x P column matrix im2col writes and the GEMM re-reads (LeNet conv2: as
// long as the GEMM itself) is gone.
import { madd } from './madd';

@inline function f32At(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/**
 * The first `lanes` floats at p (1 to 4) in an f32x4, the others +0: exact loads, never past the
 * row, so a short last block neither reads beyond the tensor nor multiplies what lies after the row
 * (a 0 · Inf there would be a NaN the reference never makes).
 */
@inline export function loadFirst(p: usize, lanes: i32): v128 {
  if (lanes >= 4) return v128.load(p);
  if (lanes == 2) return v128.load64_zero(p);
  if (lanes == 1) return v128.load32_zero(p);
  return v128.load32_lane(p + 8, v128.load64_zero(p), 2);
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * dwg[o][k] += the contribution of G images, for o < og and every tap k < taps: image n's group is
 * at xp + n·xStride bytes (rows Wp floats apart, every window inside), its dy rows [og][outH][outW]
 * at dyg + n·dyStride, and tap k's window corner `offsets[k]` floats from the group's start. Blocks
 * of 2 output channels x 4 taps (any 4 of the table: LeNet conv1's 6 channels and 25 taps fill 25
 * of 28 sums; blocks of 4 channels x 2 taps along a kernel row filled 5 of 8): 8 f32x4 sums over
 * every position of the G images (four lanes along j), each summed across lanes at the end and
 * added to dw once. A block of 10 sums (2 x 5) ran 2.4x slower per sum here: V8 kept it out of
 * registers (again 1.6x slower with a kernel row's 5 taps read through one pointer: V8 loads all 5
 * before the multiply-adds, 17 live f32x4 for its 15 registers, and spills two sums). Taps past the table repeat the last and a lone last channel repeats itself (computed,
 * never stored).
 */
export function directWeightGradient(
  xp: usize, xStride: usize, Wp: i32, offsets: usize, taps: i32, dyg: usize, dyStride: usize, G: i32, og: i32, outH: i32, outW: i32, dwg: usize,
): void {
  const rowDy = <usize>outW << 2;
  const rowX = <usize>Wp << 2;
  const planeDy = <usize>(outH * outW) << 2;
  for (let o = 0; o < og; o += 2) {
    const rows = min(2, og - o);
    const d0 = f32At(dyg, o * outH * outW);
    const d1 = d0 + (rows > 1 ? planeDy : 0);
    for (let k = 0; k < taps; k += 4) {
      const x0 = f32At(xp, load<i32>(f32At(offsets, k)));
      const x1 = f32At(xp, load<i32>(f32At(offsets, min(k + 1, taps - 1))));
      const x2 = f32At(xp, load<i32>(f32At(offsets, min(k + 2, taps - 1))));
      const x3 = f32At(xp, load<i32>(f32At(offsets, min(k + 3, taps - 1))));
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
      for (let n = 0; n < G; n++) {
        const dyImage = d0 + <usize>n * dyStride;
        const xImage = <usize>n * xStride;
        // Column blocks outermost and rows innermost: the row loop is then two pointer bumps, not a
        // new row's setup every outW / 4 blocks (LeNet conv1's rows are 7 blocks long).
        let j = 0;
        for (; j + 4 <= outW; j += 4) {
          const jo = <usize>j << 2;
          let e = dyImage + jo;
          let xo = xImage + jo;
          for (let i = 0; i < outH; i++) {
            const e0 = v128.load(e);
            const e1 = v128.load(e + d1 - d0);
            let xv = v128.load(x0 + xo);
            s00 = madd(e0, xv, s00); s10 = madd(e1, xv, s10);
            xv = v128.load(x1 + xo);
            s01 = madd(e0, xv, s01); s11 = madd(e1, xv, s11);
            xv = v128.load(x2 + xo);
            s02 = madd(e0, xv, s02); s12 = madd(e1, xv, s12);
            xv = v128.load(x3 + xo);
            s03 = madd(e0, xv, s03); s13 = madd(e1, xv, s13);
            e += rowDy;
            xo += rowX;
          }
        }
        if (j < outW) {
          // Each row's last 1 to 3 columns, the other lanes +0 on both sides.
          const lanes = outW - j;
          const jo = <usize>j << 2;
          let e = dyImage + jo;
          let xo = xImage + jo;
          for (let i = 0; i < outH; i++) {
            const e0 = loadFirst(e, lanes);
            const e1 = loadFirst(e + d1 - d0, lanes);
            let xv = loadFirst(x0 + xo, lanes);
            s00 = madd(e0, xv, s00); s10 = madd(e1, xv, s10);
            xv = loadFirst(x1 + xo, lanes);
            s01 = madd(e0, xv, s01); s11 = madd(e1, xv, s11);
            xv = loadFirst(x2 + xo, lanes);
            s02 = madd(e0, xv, s02); s12 = madd(e1, xv, s12);
            xv = loadFirst(x3 + xo, lanes);
            s03 = madd(e0, xv, s03); s13 = madd(e1, xv, s13);
            e += rowDy;
            xo += rowX;
          }
        }
      }
      // No arrays here: the module's stub runtime never frees, so kernels allocate nothing.
      const count = min(4, taps - k);
      for (let r = 0; r < rows; r++) {
        const t = f32At(dwg, (o + r) * taps + k);
        store<f32>(t, load<f32>(t) + hsum(r == 0 ? s00 : s10));
        if (count > 1) store<f32>(t, load<f32>(t, 4) + hsum(r == 0 ? s01 : s11), 4);
        if (count > 2) store<f32>(t, load<f32>(t, 8) + hsum(r == 0 ? s02 : s12), 8);
        if (count > 3) store<f32>(t, load<f32>(t, 12) + hsum(r == 0 ? s03 : s13), 12);
      }
    }
  }
}

