/** Plain-loop tensor rearrangements the laws are stated with (float64 results; exact moves, no arithmetic). */
import { fromFlat, resolvePadding, sizeOf, type IntPair, type Padding2d, type Tensor } from '../reference/index.ts';

/** Channels `[from, to)` of a 4-D tensor (axis 1). */
export function sliceChannels(t: Tensor, from: number, to: number): Tensor {
  const [N, C, H, W] = t.shape;
  const plane = H * W;
  const out = new Float64Array(N * (to - from) * plane);
  for (let n = 0; n < N; n++) out.set(t.data.subarray((n * C + from) * plane, (n * C + to) * plane), n * (to - from) * plane);
  return fromFlat([N, to - from, H, W], out);
}

/** Concatenation along axis 1 of 4-D tensors with equal N, H, W. */
export function concatChannels(parts: readonly Tensor[]): Tensor {
  const [N, , H, W] = parts[0].shape;
  const C = parts.reduce((sum, p) => sum + p.shape[1], 0);
  const plane = H * W;
  const out = new Float64Array(N * C * plane);
  for (let n = 0; n < N; n++) {
    let offset = n * C * plane;
    for (const p of parts) {
      const size = p.shape[1] * plane;
      out.set(p.data.subarray(n * size, (n + 1) * size), offset);
      offset += size;
    }
  }
  return fromFlat([N, C, H, W], out);
}

/** Swaps the last two axes of a 4-D tensor (Xᵀ for every image and channel). */
export function transposeHW(t: Tensor): Tensor {
  const [N, C, H, W] = t.shape;
  const out = new Float64Array(t.data.length);
  for (let p = 0; p < N * C; p++) {
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) out[(p * W + j) * H + i] = t.data[(p * H + i) * W + j];
  }
  return fromFlat([N, C, W, H], out);
}

/** Reverses both spatial axes of a 4-D tensor (a kernel flipped up-down and left-right). */
export function flipHW(t: Tensor): Tensor {
  const [N, C, H, W] = t.shape;
  const out = new Float64Array(t.data.length);
  for (let p = 0; p < N * C; p++) {
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) out[(p * H + (H - 1 - i)) * W + (W - 1 - j)] = t.data[(p * H + i) * W + j];
  }
  return fromFlat(t.shape, out);
}

/** The window `[top, top+h) x [left, left+w)` of every plane of a 4-D tensor. */
export function cropHW(t: Tensor, top: number, left: number, h: number, w: number): Tensor {
  const [N, C, H, W] = t.shape;
  const out = new Float64Array(N * C * h * w);
  for (let p = 0; p < N * C; p++) {
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[(p * h + i) * w + j] = t.data[(p * H + top + i) * W + left + j];
  }
  return fromFlat([N, C, h, w], out);
}

/** `a*x + b*y`, elementwise. */
export function axpby(a: number, x: Tensor, b: number, y: Tensor): Tensor {
  return fromFlat(x.shape, Float64Array.from(x.data, (v, i) => a * v + b * y.data[i]));
}

/** Image n of a batch as its own batch of one. */
export function imageOf(t: Tensor, n: number): Tensor {
  const size = sizeOf(t.shape.slice(1));
  return fromFlat([1, ...t.shape.slice(1)], t.data.subarray(n * size, (n + 1) * size));
}

/** Elementwise absolute value: the reference run on |x| and |w| gives the sums the error bound scales with. */
export function abs(t: Tensor): Tensor {
  // A plain loop: Float64Array.from with a mapping function is ~20x slower on the bench's big tensors.
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(t.data[i]);
  return fromFlat(t.shape, out);
}

/**
 * Conv or pool options for the transposed problem: every [h, w] pair (kernelSize, stride, dilation)
 * swapped and the padding's sides exchanged. Only keys present are touched, so an option the
 * operation does not know is never introduced.
 */
export function transposedOptions<T extends { kernelSize?: IntPair; stride?: IntPair; dilation?: IntPair; padding?: Padding2d }>(options: T): T {
  const swap = (v: IntPair | undefined) => (v === undefined || typeof v === 'number' ? v : ([v[1], v[0]] as [number, number]));
  const p = resolvePadding('law', options.padding ?? 0);
  const out: Record<string, unknown> = { ...options, padding: { top: p.left, bottom: p.right, left: p.top, right: p.bottom } };
  for (const key of ['kernelSize', 'stride', 'dilation'] as const) if (key in options) out[key] = swap(options[key]);
  return out as T;
}
