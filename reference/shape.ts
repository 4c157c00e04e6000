/**
 * Shape arithmetic and option validation for every windowed operation (convolution and pooling).
 *
 * The reference and every kernel backend resolve their options here, on shapes alone, so they accept
 * and reject exactly the same calls with exactly the same messages.
 */
import { OperatorInputError } from './errors.ts';
import { formatShape } from './tensor.ts';

/** One integer for both spatial axes, or `[height, width]`. */
export type IntPair = number | readonly [number, number];

/**
 * Implicit padding around the input.
 * - a number: that many rows/columns on every side;
 * - `[ph, pw]`: `ph` rows on top and bottom, `pw` columns left and right (PyTorch's tuple);
 * - `{ top, bottom, left, right }`: each side on its own (asymmetric).
 */
export type Padding2d =
  | number
  | readonly [number, number]
  | { readonly top: number; readonly bottom: number; readonly left: number; readonly right: number };

/** Options of `conv2d`, with PyTorch `nn.Conv2d` semantics. */
export interface Conv2dOptions {
  /** Step between neighbouring windows. Default `1`. */
  readonly stride?: IntPair;
  /** Zero padding around the input. Default `0`. */
  readonly padding?: Padding2d;
  /** Spacing between kernel taps (1 = dense kernel). Default `1`. */
  readonly dilation?: IntPair;
  /** Independent channel groups; `Cin` and `Cout` must both be multiples. Default `1`. */
  readonly groups?: number;
}

/** Options shared by the pooling operators, with PyTorch `nn.MaxPool2d` / `nn.AvgPool2d` semantics. */
export interface Pool2dOptions {
  /** Window size. Required. */
  readonly kernelSize: IntPair;
  /** Step between windows. Default: `kernelSize` (PyTorch's `stride=None`). */
  readonly stride?: IntPair;
  /** Padding on each side, at most half the window on each axis. Default `0`. */
  readonly padding?: Padding2d;
  /** Round the output size up: a last, partial window is kept when it starts inside the input or the
   * leading padding. Default `false`. */
  readonly ceilMode?: boolean;
}

/** Options of `maxPool2d`: padding counts as -Infinity. */
export interface MaxPool2dOptions extends Pool2dOptions {
  /** Spacing between window taps. Default `1`. */
  readonly dilation?: IntPair;
}

/** Options of `avgPool2d`. */
export interface AvgPool2dOptions extends Pool2dOptions {
  /** Divide by the window size including padded cells (PyTorch's default), or by the real cells
   * only. Default `true`. */
  readonly countIncludePad?: boolean;
}

/** A sliding window, every option resolved to plain integers. */
export interface Window2d {
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly padTop: number;
  readonly padBottom: number;
  readonly padLeft: number;
  readonly padRight: number;
}

/** Everything a conv2d implementation needs to know, validated. */
export interface Conv2dGeometry extends Window2d {
  readonly batch: number;
  readonly inChannels: number;
  readonly inH: number;
  readonly inW: number;
  readonly outChannels: number;
  readonly groups: number;
  /** `inChannels / groups`: the weight's second dimension. */
  readonly inChannelsPerGroup: number;
  readonly outChannelsPerGroup: number;
  readonly outH: number;
  readonly outW: number;
  readonly hasBias: boolean;
}

/** Everything a pooling implementation needs to know, validated. */
export interface Pool2dGeometry extends Window2d {
  readonly batch: number;
  readonly channels: number;
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
  readonly ceilMode: boolean;
}

/**
 * Output length of a window sliding along one axis (PyTorch's rule, which the chapter writes as
 * `floor((n - k + p + s) / s)` with `p` the total padding and no dilation):
 *
 * `floor((n + padBegin + padEnd - dilation*(k-1) - 1) / stride) + 1`,
 * or with `ceilMode` the same rounded up, minus one if the last window would start beyond the
 * input and the leading padding (it must start inside them).
 *
 * May return 0 or less when the window does not fit; the `resolve*` functions reject that.
 */
export function outputSize(
  size: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation = 1,
  ceilMode = false,
): number {
  const span = size + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (!ceilMode) return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= size + padBegin) out -= 1;
  return out;
}

/** The chapter's formula: `floor((n - k + p + s) / s)` with `p` the total padding of the axis. */
export function chapterOutputSize(size: number, kernel: number, totalPadding: number, stride: number): number {
  return Math.floor((size - kernel + totalPadding + stride) / stride);
}

/** Rejects option names the operation does not know (a typo like `strides` would otherwise be ignored). */
export function assertKnownOptions(op: string, options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) {
    throw new OperatorInputError(op, `options must be an object; got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new OperatorInputError(op, `unknown option '${key}'. Valid options: ${known.join(', ')}.`);
    }
  }
}

/** Resolves a number-or-pair option to `[h, w]`, checking both are integers `>= min`. */
export function resolvePair(op: string, name: string, value: IntPair, min: number): [number, number] {
  const pair: unknown[] = typeof value === 'number' ? [value, value] : Array.isArray(value) ? value : [];
  if (pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && (v as number) >= min)) {
    const what = min === 0 ? 'non-negative integer' : min === 1 ? 'positive integer' : `integer >= ${min}`;
    throw new OperatorInputError(
      op,
      `${name} must be a ${what} or a pair [h, w] of them; got ${JSON.stringify(value)}.`,
    );
  }
  return [pair[0] as number, pair[1] as number];
}

/** Resolves any `Padding2d` form to its four sides, each a non-negative integer. */
export function resolvePadding(
  op: string,
  value: Padding2d,
): { top: number; bottom: number; left: number; right: number } {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const sides = value as { top?: unknown; bottom?: unknown; left?: unknown; right?: unknown };
    const keys = Object.keys(sides).sort().join(',');
    const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
    if (keys !== 'bottom,left,right,top' || ![sides.top, sides.bottom, sides.left, sides.right].every(ok)) {
      throw new OperatorInputError(
        op,
        `padding { top, bottom, left, right } needs exactly those four non-negative integers; got ${JSON.stringify(value)}.`,
      );
    }
    return { top: sides.top as number, bottom: sides.bottom as number, left: sides.left as number, right: sides.right as number };
  }
  const [ph, pw] = resolvePair(op, 'padding', value as IntPair, 0);
  return { top: ph, bottom: ph, left: pw, right: pw };
}

function describeWindow(w: Window2d): string {
  return (
    `kernel ${w.kernelH}x${w.kernelW}, stride [${w.strideH}, ${w.strideW}], ` +
    `dilation [${w.dilationH}, ${w.dilationW}], padding {top ${w.padTop}, bottom ${w.padBottom}, ` +
    `left ${w.padLeft}, right ${w.padRight}}`
  );
}

/** The padded input must hold at least one dilated window on each axis. */
function assertWindowFits(op: string, inH: number, inW: number, w: Window2d): void {
  const paddedH = inH + w.padTop + w.padBottom;
  const paddedW = inW + w.padLeft + w.padRight;
  const spanH = w.dilationH * (w.kernelH - 1) + 1;
  const spanW = w.dilationW * (w.kernelW - 1) + 1;
  if (spanH > paddedH || spanW > paddedW) {
    throw new OperatorInputError(
      op,
      `the (dilated) window ${spanH}x${spanW} is larger than the padded input ${paddedH}x${paddedW} ` +
        `(input ${inH}x${inW}; ${describeWindow(w)}). Fix: use a smaller kernel or dilation, or more padding.`,
    );
  }
}

const CONV2D_OPTIONS = ['stride', 'padding', 'dilation', 'groups'] as const;

/**
 * Validates a conv2d call from shapes alone and resolves every option.
 *
 * @param xShape - input `[N, Cin, H, W]`
 * @param weightShape - `[Cout, Cin/groups, kh, kw]`
 * @param biasShape - `[Cout]`, or `null` for no bias
 */
export function resolveConv2d(
  op: string,
  xShape: readonly number[],
  weightShape: readonly number[],
  biasShape: readonly number[] | null,
  options: Conv2dOptions = {},
): Conv2dGeometry {
  assertKnownOptions(op, options, CONV2D_OPTIONS);
  if (xShape.length !== 4) {
    throw new OperatorInputError(
      op,
      `input x must be 4-D [N, Cin, H, W]; got ${formatShape(xShape)}. ` +
        `Fix: add batch/channel axes, e.g. reshape a HxW image to [1, 1, H, W].`,
    );
  }
  if (weightShape.length !== 4) {
    throw new OperatorInputError(
      op,
      `weight must be 4-D [Cout, Cin/groups, kh, kw]; got ${formatShape(weightShape)}.`,
    );
  }
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) {
    throw new OperatorInputError(op, `groups must be a positive integer; got ${JSON.stringify(options.groups)}.`);
  }
  const [batch, inChannels, inH, inW] = xShape;
  const [outChannels, weightInChannels, kernelH, kernelW] = weightShape;
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new OperatorInputError(
      op,
      `groups=${groups} must divide both Cin=${inChannels} and Cout=${outChannels} ` +
        `(x ${formatShape(xShape)}, weight ${formatShape(weightShape)}).`,
    );
  }
  if (weightInChannels * groups !== inChannels) {
    throw new OperatorInputError(
      op,
      `channel mismatch: x ${formatShape(xShape)} has Cin=${inChannels}, so with groups=${groups} the weight ` +
        `needs shape [${outChannels}, ${inChannels / groups}, ${kernelH}, ${kernelW}]; got ${formatShape(weightShape)}.`,
    );
  }
  if (biasShape !== null && (biasShape.length !== 1 || biasShape[0] !== outChannels)) {
    throw new OperatorInputError(
      op,
      `bias must have shape [${outChannels}] (one per output channel of weight ${formatShape(weightShape)}); ` +
        `got ${formatShape(biasShape)}. Pass null for no bias.`,
    );
  }
  const [strideH, strideW] = resolvePair(op, 'stride', options.stride ?? 1, 1);
  const [dilationH, dilationW] = resolvePair(op, 'dilation', options.dilation ?? 1, 1);
  const pad = resolvePadding(op, options.padding ?? 0);
  // One literal, not { ...window, ... }: in Node 20's V8 that spread costs about 20 µs a call, and
  // every operation of a training step validates its options.
  const geometry: Conv2dGeometry = {
    kernelH, kernelW, strideH, strideW, dilationH, dilationW,
    padTop: pad.top, padBottom: pad.bottom, padLeft: pad.left, padRight: pad.right,
    batch, inChannels, inH, inW, outChannels, groups,
    inChannelsPerGroup: inChannels / groups,
    outChannelsPerGroup: outChannels / groups,
    outH: outputSize(inH, kernelH, strideH, pad.top, pad.bottom, dilationH),
    outW: outputSize(inW, kernelW, strideW, pad.left, pad.right, dilationW),
    hasBias: biasShape !== null,
  };
  assertWindowFits(op, inH, inW, geometry);
  return geometry;
}

const POOL_OPTIONS = ['kernelSize', 'stride', 'padding', 'ceilMode'] as const;
export const MAX_POOL2D_OPTIONS = [...POOL_OPTIONS, 'dilation'] as const;
export const AVG_POOL2D_OPTIONS = [...POOL_OPTIONS, 'countIncludePad'] as const;

/**
 * Validates a pooling call from the input shape alone and resolves every option.
 *
 * Padding may be at most half the window on each side (PyTorch's rule): with more, a window could
 * see only padding, and max pooling would return -Infinity, average pooling 0/0.
 */
export function resolvePool2d(
  op: string,
  xShape: readonly number[],
  options: MaxPool2dOptions & AvgPool2dOptions,
  known: readonly string[],
): Pool2dGeometry {
  if (typeof options !== 'object' || options === null || options.kernelSize === undefined) {
    throw new OperatorInputError(op, `options.kernelSize is required, e.g. { kernelSize: 2 }; got ${JSON.stringify(options)}.`);
  }
  assertKnownOptions(op, options, known);
  if (xShape.length !== 4) {
    throw new OperatorInputError(
      op,
      `input x must be 4-D [N, C, H, W]; got ${formatShape(xShape)}. ` +
        `Fix: add batch/channel axes, e.g. reshape a HxW image to [1, 1, H, W].`,
    );
  }
  if (options.ceilMode !== undefined && typeof options.ceilMode !== 'boolean') {
    throw new OperatorInputError(op, `ceilMode must be a boolean; got ${JSON.stringify(options.ceilMode)}.`);
  }
  if (options.countIncludePad !== undefined && typeof options.countIncludePad !== 'boolean') {
    throw new OperatorInputError(op, `countIncludePad must be a boolean; got ${JSON.stringify(options.countIncludePad)}.`);
  }
  const [kernelH, kernelW] = resolvePair(op, 'kernelSize', options.kernelSize, 1);
  const [strideH, strideW] = resolvePair(op, 'stride', options.stride ?? options.kernelSize, 1);
  const [dilationH, dilationW] = resolvePair(op, 'dilation', options.dilation ?? 1, 1);
  const pad = resolvePadding(op, options.padding ?? 0);
  const maxPadH = Math.floor(kernelH / 2);
  const maxPadW = Math.floor(kernelW / 2);
  if (pad.top > maxPadH || pad.bottom > maxPadH || pad.left > maxPadW || pad.right > maxPadW) {
    throw new OperatorInputError(
      op,
      `padding ${JSON.stringify(options.padding)} is more than half the ${kernelH}x${kernelW} window ` +
        `(at most ${maxPadH} rows and ${maxPadW} columns per side). Fix: pad less or use a larger kernelSize.`,
    );
  }
  const [batch, channels, inH, inW] = xShape;
  const ceilMode = options.ceilMode ?? false;
  // One literal, not a spread of the window (see resolveConv2d).
  const geometry: Pool2dGeometry = {
    kernelH, kernelW, strideH, strideW, dilationH, dilationW,
    padTop: pad.top, padBottom: pad.bottom, padLeft: pad.left, padRight: pad.right,
    batch, channels, inH, inW, ceilMode,
    outH: outputSize(inH, kernelH, strideH, pad.top, pad.bottom, dilationH, ceilMode),
    outW: outputSize(inW, kernelW, strideW, pad.left, pad.right, dilationW, ceilMode),
  };
  assertWindowFits(op, inH, inW, geometry);
  return geometry;
}

/** Checks that an upstream gradient has the shape the forward pass produced. */
export function assertGradientShape(op: string, dyShape: readonly number[], expected: readonly number[]): void {
  if (dyShape.length !== expected.length || dyShape.some((d, i) => d !== expected[i])) {
    throw new OperatorInputError(
      op,
      `the upstream gradient dy has shape ${formatShape(dyShape)}, but the forward output is ${formatShape(expected)}.`,
    );
  }
}
