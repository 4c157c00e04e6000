// A convolution's weight gradient as the GEMM dwᵀ = cols · dyᵀ, with cols' elements read straight
// from the (padded) images instead of from an im2col matrix: cols[t][n·P + p] is the image n's float
// at its window p plus tap t, found through two tables (a tap's offset in its window, a window's
// corner in the image), so any stride and dilation work. It is sgemm's 4x8 block with A's four
// broadcasts taken from the image: per image and position, one table load more than the GEMM and no
// im2col pass (writing and re-reading taps x P floats per image: LeNet conv2's 150 x 100).
// The same multiply-adds in the same order as im2col then sgemm, so the same bits.
import { madd } from './madd';

@inline function f32At(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** positions[p] = where output position p's window starts in its image, in floats: oh·sh·rowW + ow·sw. */
export function windowCorners(outH: i32, outW: i32, sh: i32, sw: i32, rowW: i32, positions: usize): void {
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) store<i32>(positions + (<usize>(oh * outW + ow) << 2), oh * sh * rowW + ow * sw);
  }
}

/**
 * dwT[t][o] = sum over the G images n and positions p < P of xs[n·xStride bytes + positions[p] +
 * offsets[t]] · dysT[n·P + p][o], for every tap t < taps and channel o < og (og a multiple of 8):
 * written, not added. Blocks of 4 taps x 8 channels (a short block repeats its last tap, computed
 * but not stored), the accumulators kept across the images, as one GEMM over k = n·P + p.
 */
export function implicitWeightGradientT(
  xs: usize, xStride: usize, G: i32, positions: usize, P: i32, offsets: usize, taps: i32, dysT: usize, og: i32, dwT: usize,
): void {
  const rowB = <usize>og << 2;
  for (let t = 0; t < taps; t += 4) {
    const rows = min(4, taps - t);
    const o0 = <usize>load<i32>(offsets + (<usize>t << 2)) << 2;
    const o1 = <usize>load<i32>(offsets + (<usize>(t + min(1, rows - 1)) << 2)) << 2;
    const o2 = <usize>load<i32>(offsets + (<usize>(t + min(2, rows - 1)) << 2)) << 2;
    const o3 = <usize>load<i32>(offsets + (<usize>(t + min(3, rows - 1)) << 2)) << 2;
    for (let j = 0; j < og; j += 8) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let pb = dysT + (<usize>j << 2);
      for (let n = 0; n < G; n++) {
        const xn = xs + <usize>n * xStride;
        for (let p = 0; p < P; p++) {
          const px = xn + (<usize>load<i32>(positions + (<usize>p << 2)) << 2);
          const b0 = v128.load(pb);
          const b1 = v128.load(pb, 16);
          let av = v128.load32_splat(px + o0);
          c00 = madd(av, b0, c00);
          c01 = madd(av, b1, c01);
          av = v128.load32_splat(px + o1);
          c10 = madd(av, b0, c10);
          c11 = madd(av, b1, c11);
          av = v128.load32_splat(px + o2);
          c20 = madd(av, b0, c20);
          c21 = madd(av, b1, c21);
          av = v128.load32_splat(px + o3);
          c30 = madd(av, b0, c30);
          c31 = madd(av, b1, c31);
          pb += rowB;
        }
      }
      const c = dwT + (<usize>(t * og + j) << 2);
      v128.store(c, c00); v128.store(c, c01, 16);
      if (rows > 1) { v128.store(c + rowB, c10); v128.store(c + rowB, c11, 16); }
      if (rows > 2) { v128.store(c + 2 * rowB, c20); v128.store(c + 2 * rowB, c21, 16); }
      if (rows > 3) { v128.store(c + 3 * rowB, c30); v128.store(c + 3 * rowB, c31, 16); }
    }
  }
}
