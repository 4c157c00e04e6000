// Convolution forward and backward over a batch, shared between threads: each thread claims chunks
// of images through counters in shared memory (atomic adds) until none are left, so a thread that
// runs slower (a busy or throttled core) simply takes fewer chunks.
import { copyRun, zeroRun } from './moves';
import { sgemm, transposeStrided } from './gemm';
import { addBias, im2col, col2im, sumBias } from './conv';
import { convDirectImage, directTapOffsets, padImage } from './directConv';
import { implicitWeightGradientT, windowCorners } from './implicitDw';
import { directWeightGradient } from './directDw';
import { implicitInputGradient, packTapBlocks } from './implicitDx';


@inline function f32At(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/**
 * Claims the next chunk of `chunk` images; returns its first image, or N when the batch is done.
 * `claims` holds three i32 counters: chunks claimed, taken from the front, taken from the back. A
 * thread with `fromBack` 0 (the caller) takes chunks from the front, one with 1 (its first helper)
 * from the back: each ends up with one contiguous run of images, about half, so the next operation's
 * fixed halves (elementwise, per plane) find their data in their own core's cache (the 2-thread
 * step 1.03-1.04x against chunks claimed in one order), and a slower thread still takes fewer. No
 * chunk is taken twice: every take follows a claim below the chunk count, so front + back takes
 * never exceed it.
 */
@inline function claim(claims: usize, fromBack: i32, chunk: i32, N: i32): i32 {
  const chunks = (N + chunk - 1) / chunk;
  if (atomic.add<i32>(claims, 1) >= chunks) return N;
  const c = fromBack != 0 ? chunks - 1 - atomic.add<i32>(claims, 1, 8) : atomic.add<i32>(claims, 1, 4);
  return c * chunk;
}

/**
 * y[n] = W ⋆ x[n] + bias per group, for the images this thread claims; `scratch` is this thread's
 * buffer; `bias` 0 for none. The bias is added to each finished sum (as a separate pass would add
 * it: the same bits), while the image's outputs are still in cache.
 * - im2col (`offsets` 0): y[n] = W · im2col(x[n]), scratch holding the column matrix.
 * - direct (directConv.ts; unit stride along W): `offsets` is the tap table the host built (Hp x Wp
 *   planes), and scratch the zero-padded image, unused when the windows read x as it is (no
 *   padding, rows exactly as wide as the windows span).
 */
export function conv2dForwardRange(
  x: usize, w: usize, bias: usize, y: usize, scratch: usize, offsets: usize, Hp: i32, Wp: i32, claims: usize, fromBack: i32, chunk: i32, N: i32,
  Cin: i32, H: i32, W: i32, Cout: i32, groups: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dh: i32, dw: i32, outH: i32, outW: i32,
): void {
  const P = outH * outW;
  const cg = Cin / groups;
  const og = Cout / groups;
  const taps = cg * kh * kw;
  const direct = offsets != 0;
  const inPlace = padTop == 0 && padLeft == 0 && Wp == W && Hp == H;
  for (let n0 = claim(claims, fromBack, chunk, N); n0 < N; n0 = claim(claims, fromBack, chunk, N)) {
    for (let n = n0; n < min(N, n0 + chunk); n++) {
      for (let g = 0; g < groups; g++) {
        const xg = f32At(x, (n * Cin + g * cg) * H * W);
        const wg = f32At(w, g * og * taps);
        const yg = f32At(y, (n * Cout + g * og) * P);
        const bg = bias == 0 ? 0 : f32At(bias, g * og);
        if (!direct) {
          im2col(xg, cg, H, W, kh, kw, sh, sw, padTop, padLeft, dh, dw, outH, outW, scratch, P);
          sgemm(og, P, taps, wg, taps, scratch, P, yg, P, 0);
          if (bg != 0) addBias(yg, 1, og, P, bg);
          continue;
        }
        if (!inPlace) padImage(xg, cg, H, W, padTop, padLeft, Hp, Wp, scratch);
        convDirectImage(inPlace ? xg : scratch, Wp, wg, bg, offsets, taps, og, sh, outH, outW, yg);
      }
    }
  }
}

/**
 * For the images this thread claims: dx[n] = col2im(Wᵀ · dy[n]) (or Wᵀ · dy[n] added straight into
 * dx: see `implicitDx` below; then `dcols` is its scratch for packed row tails) and, into the claimed chunk's own
 * slot of `dwChunks` (zeroed here) ([chunks][Cout * taps + Cout]), the sum of dy[n] · im2col(x[n])ᵀ, per group,
 * computed as (im2col(x[n]) · dy[n]ᵀ)ᵀ (or read straight from x where that is faster: see `direct` below),
 * followed by the chunk's db (dy summed over its images and positions). One slot per chunk, summed
 * by the host in chunk order: the result does not depend on which thread took which chunk, so it
 * is deterministic. `wT` holds each group's Wᵀ; dx (zeroed here, image by image) is 0 when the
 * caller wants no dx (a first layer): then neither Wᵀ · dy nor col2im runs.
 *
 * `perGemm` images sit side by side in `cols` (or their padded copies, for the direct dw), `dcols` and `dys` ([rows][perGemm * P]), so the small
 * layers' GEMMs get a long enough k (dw) or n (dcols) to amortize their edges (LeNet's conv2 has
 * P = 100 output positions; 8 images measured best, 1 about 10% slower).
 */
export function conv2dBackwardRange(
  x: usize, wT: usize, dy: usize, dx: usize, dwChunks: usize, cols: usize, dcols: usize, dys: usize, perGemm: i32, columnFree: i32, claims: usize, fromBack: i32, chunk: i32, N: i32,
  Cin: i32, H: i32, W: i32, Cout: i32, groups: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dh: i32, dw: i32, outH: i32, outW: i32,
): void {
  const P = outH * outW;
  const cg = Cin / groups;
  const og = Cout / groups;
  const taps = cg * kh * kw;
  // How dw is summed, straight from the (padded) image where a kernel for that applies, so no im2col:
  // - direct (directDw.ts): unit stride, rows of 16 or more, through the tap table (LeNet conv1, rows
  //   of 28: ~1.4x, then 1.4-1.6x more with blocks of 2 channels x 4 taps; on rows of 10 im2col's path was 1.3x faster);
  // - implicit (implicitDw.ts): output channels in blocks of 8, any stride (LeNet conv2: 1.6-1.7x, the
  //   same bits as im2col's path);
  // - else im2col and the GEMM dwᵀ = cols · dyᵀ. `columnFree` 0 (convBackward: 'im2col': the column
  //   matrices for dw and dx, im2col and col2im) forces that.
  const direct = columnFree != 0 && sh == 1 && sw == 1 && outW >= 16;
  const implicit = columnFree != 0 && !direct && og % 8 == 0;
  // The extent of the image the windows read (padded where they reach past it).
  const Hp = (outH - 1) * sh + (kh - 1) * dh + 1;
  const Wp = (outW - 1) * sw + (kw - 1) * dw + 1;
  const inPlace = padTop == 0 && padLeft == 0 && Hp <= H && Wp <= W;
  const rowsH = inPlace ? H : Hp;
  const rowsW = inPlace ? W : Wp;
  const xStride = <usize>(inPlace ? Cin * H * W : cg * Hp * Wp) << 2;
  // `dys` holds the gathered dy [og][perGemm·P], its transpose, dwᵀ [taps][og], the tap and window
  // tables (i32, taps and P of them), implicitDx's tap order (taps) and its packed weights (per group).
  const dysT = f32At(dys, og * perGemm * P);
  const dwT = f32At(dysT, og * perGemm * P);
  const offsets = f32At(dwT, taps * og);
  const positions = f32At(offsets, taps);
  // dx without the column matrix (implicitDx.ts) where every window lies inside the image at unit
  // stride along W (LeNet conv2: its backward 1.11-1.17x); there the tap table over the image is
  // `offsets` itself. `columnFree` 0 forces col2im(Wᵀ · dy) here too.
  const implicitDx = columnFree != 0 && dx != 0 && inPlace && sw == 1;
  if (implicit || direct || implicitDx) directTapOffsets(cg, kh, kw, dh, dw, rowsH, rowsW, offsets);
  if (implicit) windowCorners(outH, outW, sh, sw, rowsW, positions);
  const order = f32At(positions, P);
  // Each group's weights in blocks of 4 taps for implicitDx, packed once per call on every thread.
  const packedW = f32At(order, taps);
  const packedWSize = ((taps + 3) >> 2) * 4 * og;
  if (implicitDx) {
    tapOrderByColumn(cg, kh, kw, order);
    for (let g = 0; g < groups; g++) packTapBlocks(f32At(wT, g * og * taps), og, taps, order, f32At(packedW, g * packedWSize));
  }
  for (let n0 = claim(claims, fromBack, chunk, N); n0 < N; n0 = claim(claims, fromBack, chunk, N)) {
    const dwPartial = f32At(dwChunks, (n0 / chunk) * (Cout * taps + Cout));
    // Zeroed here, by the thread that sums into it (not by the host, on one thread, before the kernels start).
    zeroRun(dwPartial, Cout * taps);
    const end = min(N, n0 + chunk);
    // The chunk's db after its dw, in the same slot (so the host's one sum over the slots gives both).
    sumBias(f32At(dy, n0 * Cout * P), end - n0, Cout, P, f32At(dwPartial, Cout * taps));
    for (let first = n0; first < end; first += perGemm) {
      const G = min(perGemm, end - first);
      const ld = G * P;
      for (let g = 0; g < groups; g++) {
        const dwg = f32At(dwPartial, g * og * taps);
        const dyFirst = f32At(dy, (first * Cout + g * og) * P);
        // One image's group of dy rows is already [og][P]; several are gathered side by side (for the GEMMs).
        const dyg = G == 1 ? dyFirst : dys;
        // The images as the windows read them: x itself, or zero-padded copies where im2col's columns would go.
        if ((implicit || direct) && !inPlace) {
          for (let i = 0; i < G; i++) padImage(f32At(x, ((first + i) * Cin + g * cg) * H * W), cg, H, W, padTop, padLeft, Hp, Wp, f32At(cols, i * cg * Hp * Wp));
        }
        const xs = inPlace ? f32At(x, (first * Cin + g * cg) * H * W) : cols;
        if (implicit) {
          gatherDyT(dy, first, G, Cout, g * og, og, P, dysT);
          implicitWeightGradientT(xs, xStride, G, positions, P, offsets, taps, dysT, og, dwT);
          addTransposed(dwg, dwT, taps, og);
          if (dx != 0 && !implicitDx && G > 1) gatherDy(dy, first, G, Cout, g * og, og, P, dys);
        } else if (!direct) {
          for (let i = 0; i < G; i++) {
            const n = first + i;
            im2col(f32At(x, (n * Cin + g * cg) * H * W), cg, H, W, kh, kw, sh, sw, padTop, padLeft, dh, dw, outH, outW, f32At(cols, i * P), ld);
          }
          // dwᵀ = cols · dyᵀ as a plain GEMM (A's elements broadcast, B's rows 16 wide): 1.6x faster
          // than dw = dy · colsᵀ as dot products here, whose 4 dy rows are re-read for every 2 taps.
          gatherDyT(dy, first, G, Cout, g * og, og, P, dysT);
          sgemm(taps, og, ld, cols, ld, dysT, og, dwT, og, 0);
          addTransposed(dwg, dwT, taps, og);
          if (dx != 0 && !implicitDx && G > 1) gatherDy(dy, first, G, Cout, g * og, og, P, dys);
        } else {
          directWeightGradient(xs, xStride, rowsW, offsets, taps, dyFirst, <usize>(Cout * P) << 2, G, og, outH, outW, dwg);
          if (dx != 0 && !implicitDx && G > 1) gatherDy(dy, first, G, Cout, g * og, og, P, dys);
        }
        if (dx == 0) continue;
        if (implicitDx) {
          for (let i = 0; i < G; i++) {
            const dxImage = f32At(dx, ((first + i) * Cin + g * cg) * H * W);
            zeroRun(dxImage, cg * H * W);
            implicitInputGradient(f32At(dyFirst, i * Cout * P), P, f32At(packedW, g * packedWSize), og, taps, offsets, order, sh * W, outH, outW, dxImage, dcols);
          }
          continue;
        }
        sgemm(taps, ld, og, f32At(wT, g * og * taps), og, dyg, ld, dcols, ld, 0);
        for (let i = 0; i < G; i++) {
          const dxImage = f32At(dx, ((first + i) * Cin + g * cg) * H * W);
          zeroRun(dxImage, cg * H * W); // col2im adds into it; zeroed here, in cache, on this thread
          col2im(f32At(dcols, i * P), cg, H, W, kh, kw, sh, sw, padTop, padLeft, dh, dw, outH, outW, dxImage, ld);
        }
      }
    }
  }
}

/** order[k] = the k-th tap with the kernel's columns outermost: (c, b, a) order, so 4 consecutive taps lie in different rows. */
function tapOrderByColumn(cg: i32, kh: i32, kw: i32, order: usize): void {
  let k = 0;
  for (let c = 0; c < cg; c++) {
    for (let b = 0; b < kw; b++) {
      for (let a = 0; a < kh; a++) store<i32>(f32At(order, k++), (c * kh + a) * kw + b);
    }
  }
}

/** dys[o][i·P + p] = dy[first + i][o0 + o][p]: G images' dy rows side by side, for one GEMM. */
function gatherDy(dy: usize, first: i32, G: i32, Cout: i32, o0: i32, og: i32, P: i32, dys: usize): void {
  for (let i = 0; i < G; i++) {
    for (let o = 0; o < og; o++) copyRun(f32At(dys, o * G * P + i * P), f32At(dy, ((first + i) * Cout + o0 + o) * P), P);
  }
}

/** dysT[i·P + p][o] = dy[first + i][o0 + o][p]: G images' dy, transposed, for dwᵀ = cols · dysT. */
function gatherDyT(dy: usize, first: i32, G: i32, Cout: i32, o0: i32, og: i32, P: i32, dysT: usize): void {
  for (let i = 0; i < G; i++) transposeStrided(f32At(dy, ((first + i) * Cout + o0) * P), og, P, P, f32At(dysT, i * P * og), og);
}

/** dw[o][t] += dwT[t][o]. */
function addTransposed(dw: usize, dwT: usize, taps: i32, og: i32): void {
  for (let o = 0; o < og; o++) {
    for (let t = 0; t < taps; t++) {
      const p = f32At(dw, o * taps + t);
      store<f32>(p, load<f32>(p) + load<f32>(f32At(dwT, t * og + o)));
    }
  }
}

/** dst += src, four lanes at a time (summing the threads' partial weight gradients). */
export function addInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f32At(dst, i), f32x4.add(v128.load(f32At(dst, i)), v128.load(f32At(src, i))));
  for (; i < n; i++) store<f32>(f32At(dst, i), load<f32>(f32At(dst, i)) + load<f32>(f32At(src, i)));
}
