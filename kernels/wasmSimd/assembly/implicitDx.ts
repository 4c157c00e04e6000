// A convolution's input gradient without the column matrix: dx = col2im(Wᵀ · dy) where each block
// of Wᵀ · dy (4 taps x 8 output positions along a row, the GEMM's 4x8 block) is added straight into
// dx at its taps' targets, instead of being stored to a taps x P matrix that col2im re-reads and
// scatters (LeNet conv2: 150 x 100 floats per image written and read back, col2im alone about a
// third as long as the GEMM). Each column-matrix element is the same chain of multiply-adds over the
// output channels as sgemm's; only the order in which an input's contributions from different taps
// are added differs (a sum in another order, within the same error model).
import { zeroRun } from './moves';
import { madd } from './madd';
import { loadFirst } from './directDw';

@inline function f32At(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** p[0..lanes) += the first `lanes` (1 to 4) of v: never touches what lies past them. */
@inline function addFirst(p: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) {
    v128.store(p, f32x4.add(v128.load(p), v));
    return;
  }
  if (lanes == 1) {
    store<f32>(p, load<f32>(p) + f32x4.extract_lane(v, 0));
    return;
  }
  v128.store64_lane(p, f32x4.add(v128.load64_zero(p), v), 0);
  if (lanes == 3) store<f32>(p, load<f32>(p, 8) + f32x4.extract_lane(v, 2), 8);
}

/** p[0..2) += half `h` of v (lanes 2h, 2h+1). */
@inline function addHalf(p: usize, v: v128, h: i32): void {
  if (h == 0) v128.store64_lane(p, f32x4.add(v128.load64_zero(p), v), 0);
  else v128.store64_lane(p, f32x4.add(v128.load64_lane(p, f32x4.splat(0), 1), v), 1);
}

/**
 * The columns of every output row past its full 8-column blocks (`rem` of them, 1 to 7), packed for
 * 4x8 blocks: packed[o][i·pitch + c] = dy[o][i][first + c], each row `pitch` floats (rem rounded up
 * to 1, 2, 4 or 8, so a row's segment never straddles an f32x4 it does not start), +0 in the pad
 * lanes and up to the next multiple of 8; returns the floats per channel.
 */
function packTails(dy: usize, og: i32, outH: i32, outW: i32, first: i32, pitch: i32, packed: usize): i32 {
  const rem = outW - first;
  const per = (outH * pitch + 7) & ~7;
  for (let o = 0; o < og; o++) {
    const src = f32At(dy, o * outH * outW + first);
    const dst = f32At(packed, o * per);
    zeroRun(dst, per);
    for (let i = 0; i < outH; i++) {
      for (let c = 0; c < rem; c++) store<f32>(f32At(dst, i * pitch + c), load<f32>(f32At(src, i * outW + c)));
    }
  }
  return per;
}

/**
 * wp[k/4][o][q] = wT[order[k + q]][o]: each block of 4 taps' weights side by side, one f32x4 per
 * output channel, so the block's inner loop reads them through one pointer (four separate rows of
 * wT kept V8 short of registers: it recomputed their addresses inside the loop). A short last block
 * repeats its last tap. Returns wp's size in floats.
 */
export function packTapBlocks(wT: usize, og: i32, taps: i32, order: usize, wp: usize): i32 {
  const blocks = (taps + 3) >> 2;
  for (let k = 0; k < blocks * 4; k++) {
    const t = load<i32>(f32At(order, min(k, taps - 1)));
    for (let o = 0; o < og; o++) store<f32>(f32At(wp, ((k >> 2) * og + o) * 4 + (k & 3)), load<f32>(f32At(wT, t * og + o)));
  }
  return blocks * 4 * og;
}

/**
 * dx += col2im(Wᵀ · dy) for one image's channel group, at unit stride along W, every window inside
 * the image (no padding): dy is the group's [og][P] gradient (P = outH·outW), wp the group's
 * weights in blocks of 4 taps (packTapBlocks, in the order `order`), `targets[t]` where tap t's
 * window corner lies in dx (floats: the tap table of directTapOffsets over the image's H x W), and
 * output row i's windows start `rowStep` floats (sh·W) after row i - 1's. `packed` is scratch for
 * the rows' last columns (og x (outH·8 + 8) floats at most).
 *
 * Blocks of 4 taps (a short block repeats its last tap: computed, never added) x 8 columns of an
 * output row, then the rows' remaining columns packed several rows to a block. A block's four taps
 * add into four different rows of dx (tapOrderByColumn puts a kernel column's taps together): taps
 * of one kernel row would add into the same row shifted by a float, and each add would wait for
 * the previous one's store to reach the cache (a failed store-to-load forward; 1.17x slower here).
 */
export function implicitInputGradient(
  dy: usize, P: i32, wp: usize, og: i32, taps: i32, targets: usize, order: usize, rowStep: i32, outH: i32, outW: i32, dx: usize, packed: usize,
): void {
  const planeB = <usize>P << 2;
  const full = outW & ~7;
  const rem = outW - full;
  const pitch = rem <= 2 ? rem : rem <= 4 ? 4 : 8;
  const per = rem == 0 ? 0 : packTails(dy, og, outH, outW, full, pitch, packed);
  const packedB = <usize>per << 2;
  const rowsPerBlock = 8 / max(1, pitch);
  const step = <usize>rowStep << 2;
  const mainBlocks = outH * (full >> 3);
  const blocks = mainBlocks + (per >> 3);
  for (let k = 0; k < taps; k += 4) {
    const rows = min(4, taps - k);
    const wk = wp + (<usize>(k * og) << 2);
    const d0 = f32At(dx, load<i32>(f32At(targets, load<i32>(f32At(order, k)))));
    const d1 = f32At(dx, load<i32>(f32At(targets, load<i32>(f32At(order, k + min(1, rows - 1))))));
    const d2 = f32At(dx, load<i32>(f32At(targets, load<i32>(f32At(order, k + min(2, rows - 1))))));
    const d3 = f32At(dx, load<i32>(f32At(targets, load<i32>(f32At(order, k + min(3, rows - 1))))));
    // b counts the main blocks over the rows (i, j), then the packed blocks.
    let i = 0;
    let j = 0;
    for (let b = 0; b < blocks; b++) {
      const isMain = b < mainBlocks;
      let pb = isMain ? f32At(dy, i * outW + j) : f32At(packed, (b - mainBlocks) << 3);
      const plane = isMain ? planeB : packedB;
      let pa = wk;
      // sgemm's 4x8 block (gemm.ts block4x8) with A packed per tap block and a scattered epilogue: kept
      // inline, as in directConv and implicitDw, since a helper cannot hand 8 accumulators back.
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      for (let o = 0; o < og; o++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        let av = v128.load32_splat(pa);
        c00 = madd(av, b0, c00);
        c01 = madd(av, b1, c01);
        av = v128.load32_splat(pa, 4);
        c10 = madd(av, b0, c10);
        c11 = madd(av, b1, c11);
        av = v128.load32_splat(pa, 8);
        c20 = madd(av, b0, c20);
        c21 = madd(av, b1, c21);
        av = v128.load32_splat(pa, 12);
        c30 = madd(av, b0, c30);
        c31 = madd(av, b1, c31);
        pb += plane;
        pa += 16;
      }
      if (isMain) {
        const at = <usize>(i * rowStep + j) << 2;
        addEight(d0 + at, c00, c01);
        if (rows > 1) addEight(d1 + at, c10, c11);
        if (rows > 2) addEight(d2 + at, c20, c21);
        if (rows > 3) addEight(d3 + at, c30, c31);
        j += 8;
        if (j == full) {
          j = 0;
          i++;
        }
        continue;
      }
      // A packed block: rowsPerBlock rows' last columns, from row r0.
      const r0 = (b - mainBlocks) * rowsPerBlock;
      const count = min(rowsPerBlock, outH - r0);
      const at = <usize>r0 * step + (<usize>full << 2);
      addPacked(d0 + at, step, c00, c01, pitch, rem, count);
      if (rows > 1) addPacked(d1 + at, step, c10, c11, pitch, rem, count);
      if (rows > 2) addPacked(d2 + at, step, c20, c21, pitch, rem, count);
      if (rows > 3) addPacked(d3 + at, step, c30, c31, pitch, rem, count);
    }
  }
}

/** p[0..8) += (lo, hi). */
@inline function addEight(p: usize, lo: v128, hi: v128): void {
  v128.store(p, f32x4.add(v128.load(p), lo));
  v128.store(p, f32x4.add(v128.load(p, 16), hi), 16);
}

/**
 * One tap's packed block into dx: `count` rows (the first at p, rows `step` bytes apart), row r's
 * `rem` columns in lanes [r·pitch, r·pitch + rem) of (lo, hi).
 */
@inline function addPacked(p: usize, step: usize, lo: v128, hi: v128, pitch: i32, rem: i32, count: i32): void {
  if (pitch == 8) {
    addFirst(p, lo, 4);
    addFirst(p + 16, hi, rem - 4);
    return;
  }
  if (pitch == 4) {
    addFirst(p, lo, rem);
    if (count > 1) addFirst(p + step, hi, rem);
    return;
  }
  if (pitch == 2) {
    addHalf(p, lo, 0);
    if (count > 1) addHalf(p + step, lo, 1);
    if (count > 2) addHalf(p + 2 * step, hi, 0);
    if (count > 3) addHalf(p + 3 * step, hi, 1);
    return;
  }
  // pitch 1: one float per row, eight rows.
  for (let r = 0; r < count; r++) {
    const v = r < 4 ? lo : hi;
    const lane = r & 3;
    const q = p + <usize>r * step;
    const x = lane == 0 ? f32x4.extract_lane(v, 0) : lane == 1 ? f32x4.extract_lane(v, 1) : lane == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
    store<f32>(q, load<f32>(q) + x);
  }
}
