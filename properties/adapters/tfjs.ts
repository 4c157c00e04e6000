/**
 * TensorFlow.js 4.22 behind our backend interface, on any of its backends (`cpu` and `wasm` in Node;
 * `webgl` and `webgpu` in a browser): a real third-party port, run through the property suite to
 * prove the suite is pluggable and to find where its semantics differ from PyTorch's (see
 * TFJS_DIFFERENCES and the README).
 *
 * The adapter maps each operation to the nearest tfjs op (NCHW <-> NHWC transposes around it) and
 * validates with the reference's own checks, as the README recommends for any port. What tfjs cannot
 * express at all (grouped convolution, per-side pooling padding in ceil mode, pooling dilation), and
 * on wasm what it cannot run without corrupting its heap (see declineWasmCeilOverflow), is declined
 * with UnsupportedOptionError; an operation whose kernels the chosen tfjs backend does not
 * register at all (tfjs-wasm has no Conv2DBackpropFilter) is left out, so the suite reports it as
 * not implemented; everything else runs, so semantic differences show up as failures.
 *
 * Browser-safe: this module imports nothing Node-only (esbuild can bundle it for headless Chromium).
 * `@tensorflow/tfjs` registers `cpu` and `webgl`; `@tensorflow/tfjs-backend-wasm` and
 * `@tensorflow/tfjs-backend-webgpu` are imported dynamically, only when that backend is asked for,
 * by `createTfjsBackend` itself (so a page that never asks for them never initialises them). In a
 * browser the wasm backend fetches its .wasm binaries relative to the bundle unless the page calls
 * the package's `setWasmPaths` first.
 *
 * tfjs has one global active backend. Every operation of a backend made here first makes its own tfjs
 * backend the active one, so adapters on different tfjs backends can live in one process.
 */
import * as tf from '@tensorflow/tfjs';
import * as ref from '../../reference/index.ts';
import { OPERATION_NAMES, UnsupportedOptionError, type Backend, type OperationName, type PartialBackend } from '../../kernels/backend.ts';
import { checkConv2d, checkConv2dBackward } from '../../reference/conv2d.ts';
import { checkMaxPool2d, checkMaxPool2dBackward } from '../../reference/maxPool2d.ts';
import { checkAvgPool2d, checkAvgPool2dBackward } from '../../reference/avgPool2d.ts';
import { checkLinear, checkLinearBackward } from '../../reference/linear.ts';
import { checkMatmul } from '../../reference/matmul.ts';
import { assertLabels } from '../../reference/crossEntropy.ts';
import { checkSgd } from '../../reference/sgd.ts';
import type { ExpectedDifference } from '../suite.ts';
import { transposedOptions } from '../tensorOps.ts';
import { float32Tensor, type ValueKind } from '../tensors.ts';

export type TfjsBackendName = 'cpu' | 'wasm' | 'webgl' | 'webgpu';
export const TFJS_BACKENDS: readonly TfjsBackendName[] = ['cpu', 'wasm', 'webgl', 'webgpu'];

export interface TfjsBackendOptions {
  readonly backend: TfjsBackendName;
  /** wasm only: XNNPACK's thread count (`setThreadsCount`), fixed at the wasm backend's first initialisation. Node has no threaded build: 1. */
  readonly threads?: number;
}

// ---------------------------------------------------------------------------------------------
// Expected differences from PyTorch, per tfjs backend. Found by running the suite on each backend
// (properties/tests/tfjsCpu.test.ts, tfjsWasm.test.ts) and confirmed on minimal inputs; kept here so
// the tests notice when one appears or disappears, and quoted in the README.
// ---------------------------------------------------------------------------------------------

/** A pooling case as the pooling properties print it (the data comes from `seed`). */
type PoolCase = {
  readonly kind: 'max' | 'avg';
  readonly xShape: readonly number[];
  readonly options: ref.MaxPool2dOptions & ref.AvgPool2dOptions;
  readonly seed: number;
  readonly values?: ValueKind;
};

const isPoolCase = (v: unknown): v is PoolCase =>
  typeof v === 'object' && v !== null && ((v as PoolCase).kind === 'max' || (v as PoolCase).kind === 'avg') && Array.isArray((v as PoolCase).xShape);

/** The pooling cases inside a property's case: the case itself, or its `c` (laws, NaN), `pool` and `otherPool` (determinism). */
function poolCasesIn(c: any): PoolCase[] {
  return [c, c?.c, c?.pool, c?.otherPool].filter(isPoolCase);
}

const POOL_OPTIONS = ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'countIncludePad'];
const geometryOf = (c: PoolCase) => ref.resolvePool2d('pool', c.xShape, c.options, POOL_OPTIONS);

const transposed = (p: PoolCase): PoolCase => ({ ...p, xShape: [p.xShape[0], p.xShape[1], p.xShape[3], p.xShape[2]], options: transposedOptions(p.options) });

/**
 * tfjs-wasm hands its ceil-mode output buffer to XNNPACK, which sizes the output by floor with each
 * side's own window and stride: the values it writes per channel, and the room tfjs allocated (its
 * ceil shape, from the window and stride heights on both sides).
 */
function wasmCeilOutput(g: ref.Pool2dGeometry): { written: number; allocated: number } {
  const p = g.padTop;
  const tfjsSide = (n: number) => Math.max(0, Math.ceil((n - g.kernelH + 2 * p) / g.strideH + 1));
  const xnnpackSide = (n: number, k: number, s: number) => Math.floor((n + 2 * p - k) / s) + 1;
  return { written: xnnpackSide(g.inH, g.kernelH, g.strideH) * xnnpackSide(g.inW, g.kernelW, g.strideW), allocated: tfjsSide(g.inH) * tfjsSide(g.inW) };
}

const pair = (v: number | readonly number[] | undefined, fallback: number): readonly number[] => (v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v);

/** Whether the adapter declines this pooling case on `backend` (see poolArgs): a declined case is no difference, so no `when` counts it. */
function poolDeclined(backend: TfjsBackendName, c: PoolCase): boolean {
  if (c.kind === 'max' && pair(c.options.dilation, 1).some((d) => d > 1)) return true;
  if (c.options.ceilMode !== true) return false;
  const g = geometryOf(c);
  if (g.padTop !== g.padBottom || g.padLeft !== g.padRight || g.padTop !== g.padLeft) return true;
  if (backend !== 'wasm') return false;
  const { written, allocated } = wasmCeilOutput(g);
  return written > allocated;
}

/** Whether the adapter declines a conv case (see convArgs): grouped, or strided and dilated at once. */
function convDeclined(c: { options: ref.Conv2dOptions }): boolean {
  const o = c.options ?? {};
  return (o.groups ?? 1) > 1 || (pair(o.stride, 1).some((v) => v > 1) && pair(o.dilation, 1).some((v) => v > 1));
}

/** Whether the adapter declines the property's case `c` on `backend` (its pooling cases, both ways round with `swapped`, and its conv case). */
function declined(backend: TfjsBackendName, c: any, swapped = false): boolean {
  const conv = c?.op === 'conv' ? [c.c] : [];
  return poolCasesIn(c).some((p) => poolDeclined(backend, p) || (swapped && poolDeclined(backend, transposed(p)))) || conv.some(convDeclined);
}

/**
 * A ceil-mode case's output sides (height, width) as each party computes them: PyTorch's ceil rule;
 * tfjs's (tfjs-core's computePool2DInfo: ceil((n - kH + 2p) / sH + 1) on both sides, from the window
 * *height* and stride *height*); the truncated size the gradient kernels use (the gradient
 * definitions drop the rounding mode); and the floor size with each side's own window and stride,
 * which XNNPACK (tfjs-wasm) computes and writes.
 */
function ceilSides(c: PoolCase): { torch: number[]; tfjs: number[]; truncated: number[]; floor: number[]; lastStart: number[]; size: number[] } {
  const g = geometryOf(c);
  const p = g.padTop; // ceil mode reaches tfjs only with one padding number (unequal sides are declined)
  const raw = [g.inH, g.inW].map((n) => (n - g.kernelH + 2 * p) / g.strideH + 1);
  const tfjs = raw.map(Math.ceil);
  return {
    torch: [g.outH, g.outW],
    tfjs,
    truncated: raw.map(Math.trunc),
    floor: [ref.outputSize(g.inH, g.kernelH, g.strideH, p, p, g.dilationH, false), ref.outputSize(g.inW, g.kernelW, g.strideW, p, p, g.dilationW, false)],
    // Where tfjs's last window starts (the kernels place windows with each side's own stride).
    lastStart: [(tfjs[0] - 1) * g.strideH - p, (tfjs[1] - 1) * g.strideW - p],
    size: [g.inH, g.inW],
  };
}

/** Whether `test` holds of a ceil-mode pooling case in `c` (with `swapped`, of it or of it with its axes swapped, as the transpose law runs it). */
const anyCeilCase = (test: (s: ReturnType<typeof ceilSides>) => boolean, swapped = false) => (c: any) =>
  poolCasesIn(c).some((p) => p.options.ceilMode === true && (swapped ? [p, transposed(p)] : [p]).some((q) => test(ceilSides(q))));

/** Ceil mode changes something tfjs does: the four sizes disagree on a side. Where they all agree, a ceil-mode case is a floor-mode one, and judged. */
const ceilChanges = (s: ReturnType<typeof ceilSides>) => [0, 1].some((i) => new Set([s.torch[i], s.tfjs[i], s.truncated[i], s.floor[i]]).size > 1);
const ceilAffected = anyCeilCase(ceilChanges);
const ceilAffectedEitherWay = anyCeilCase(ceilChanges, true);

/** tfjs's ceil-mode output shape is not PyTorch's. */
const ceilShapeDiffers = anyCeilCase((s) => [0, 1].some((i) => s.tfjs[i] !== s.torch[i]));

/** tfjs's ceil-mode output is empty: a side of 0 or less (the window height is more than the padded input width). */
const ceilEmpty = anyCeilCase((s) => [0, 1].some((i) => s.tfjs[i] <= 0));

/** tfjs's ceil-mode output is empty (a side of 0 or less: the window height is more than the padded input width), or has a window wholly outside the input. */
const ceilEmptyWindow = anyCeilCase((s) => [0, 1].some((i) => s.tfjs[i] <= 0 || s.lastStart[i] >= s.size[i]));

/** tfjs-wasm: XNNPACK writes fewer values than tfjs's ceil-mode output holds (the rest is uninitialised memory), or tfjs's output is empty. */
const wasmCeilUnwritten = anyCeilCase((s) => [0, 1].some((i) => s.tfjs[i] <= 0 || s.tfjs[i] !== s.floor[i]));

/** Some window of the case reaches into padding. */
const padded = (c: PoolCase) => Object.values(ref.resolvePadding('pool', c.options.padding ?? 0)).some((p) => p > 0);

/** Each output window's values (the cells inside the input), per batch, channel and window. */
function windowsOf(x: ref.Tensor, c: PoolCase): number[][] {
  const g = geometryOf(c);
  const windows: number[][] = [];
  for (let n = 0; n < g.batch; n++) {
    for (let ch = 0; ch < g.channels; ch++) {
      for (let oh = 0; oh < g.outH; oh++) {
        for (let ow = 0; ow < g.outW; ow++) {
          const values: number[] = [];
          for (let i = 0; i < g.kernelH; i++) {
            for (let j = 0; j < g.kernelW; j++) {
              const h = oh * g.strideH - g.padTop + i * g.dilationH;
              const w = ow * g.strideW - g.padLeft + j * g.dilationW;
              if (h >= 0 && h < g.inH && w >= 0 && w < g.inW) values.push(x.data[((n * g.channels + ch) * g.inH + h) * g.inW + w]);
            }
          }
          windows.push(values);
        }
      }
    }
  }
  return windows;
}

/** The smallest positive normal float32, 2^-126: C++'s std::numeric_limits<float>::min(). */
const FLT_MIN = 2 ** -126;

/**
 * Whether tfjs-wasm's MaxPoolGrad can route some window's gradient elsewhere than PyTorch: a window
 * whose maximum is below FLT_MIN (or NaN, or holds a NaN), or whose maximum is attained more than once.
 */
function maxPoolRoutingDiffers(x: ref.Tensor, c: PoolCase): boolean {
  return windowsOf(x, c).some((w) => {
    if (w.some(Number.isNaN)) return true;
    const max = Math.max(...w);
    return !(max >= FLT_MIN) || w.filter((v) => v === max).length > 1;
  });
}

/** x as the NaN property builds it: 'distinct' values, with its special values written in (see properties/conformance/nan.ts). */
function nanCaseInput(c: { c: PoolCase; nans: (number | [number, number])[] }): ref.Tensor {
  const x = float32Tensor(c.c.xShape, c.c.seed, 'distinct');
  const data = Float32Array.from(x.data);
  for (const n of c.nans) {
    const [p, which] = typeof n === 'number' ? [n, 0] : n;
    data[p % data.length] = [NaN, NaN, NaN, NaN, Infinity, -Infinity][which];
  }
  return { shape: x.shape, data };
}

/** The special values the NaN property writes into x: NaNs, and how many infinities. */
function nanCaseSpecials(c: { nans: (number | [number, number])[] }): { nan: boolean; infinities: number } {
  const which = c.nans.map((n) => (typeof n === 'number' ? 0 : n[1]));
  return { nan: which.some((w) => w < 4), infinities: new Set(c.nans.filter((n) => typeof n !== 'number' && n[1] >= 4).map((n) => (n as [number, number])[0])).size };
}

const CEIL =
  'ceil-mode pooling (tfjs-core, every backend): computePool2DInfo rounds up without PyTorch\'s rule that the last window must start inside the input, ' +
  'and with a single padding number it derives both output sides from the window height and stride height; and the MaxPool and AvgPool gradient ' +
  'definitions drop the rounding mode, so the gradient kernels size the output by truncation and never read dy\'s last ceil-mode row or column (their input cells get 0)';

const COUNT_PADDING =
  'padding in the average\'s divisor: tfjs\'s avgPool (TensorFlow\'s semantics, every backend) never counts padding cells, where PyTorch\'s default (countIncludePad: true) does; ' +
  'and every tfjs AvgPoolGrad kernel (cpu, wasm; webgl and webgpu alike) scales dy by 1/(kh·kw), counting padding, so with countIncludePad: false ' +
  'the backward is not the gradient of tfjs\'s own forward (PyTorch divides by the cells inside the input)';

/**
 * Differences whose cause every tfjs backend shares: tfjs-core's pooling shape logic
 * (computePool2DInfo) and gradient definitions (pooling's, relu's), the ops it composes of other ops
 * (softmaxCrossEntropy), and the convention every backend's AvgPoolGrad kernel copies. Kernels are
 * otherwise per backend, and so are their differences (below).
 */
const SHARED_DIFFERENCES: Readonly<Record<string, string>> = {
  'law-output-shape-formula': CEIL,
  'law-max-pool-dominates-avg-pool': `the ceil-mode pooling above: ${CEIL}`,
  'law-pool-transpose-commutes': 'the ceil-mode pooling above: with a single padding number tfjs derives the width from the window and stride heights, so pool(xᵀ) is not pool(x)ᵀ for non-square windows or strides',
  'law-pooling-acts-per-channel': `the ceil-mode pooling above: where the window height exceeds the input width, tfjs's width is 0 (a 2x1 input, window [2, 1], stride 1: shape [1, 1, 1, 0])`,
  'maxpool2d-equals-reference': `ceil mode: ${CEIL}`,
  'avgpool2d-equals-reference': `${COUNT_PADDING}; and ceil mode: ${CEIL}`,
  'contract-deterministic': 'the ceil-mode pooling above: a gradient of the shape of tfjs\'s own pool output is not the forward output PyTorch defines',
  'cross-entropy-equals-reference':
    'softmaxCrossEntropy (composed of ops in tfjs-core, every backend) loses precision once logits are large (saturating, ±120; offset, up to ±2^15): 2.4x the bound at logits near 120, ' +
    'a rounding at the scale of the logits rather than of their shifted values; and it sums one-hot·log-softmax over every class, so a -Infinity logit of another class ' +
    'makes the loss NaN (0·-Infinity), where PyTorch\'s loss reads only the label\'s log-probability and stays finite',
  'relu-equals-reference': 'relu backward (tfjs-core\'s Relu gradient, dy·step(x)): a NaN gradient where x <= 0 stays NaN, and a NaN x gives NaN; PyTorch gives x <= 0 ? 0 : dy (0, and dy at a NaN x)',
};

const WASM_MAX_POOL_GRAD =
  'tfjs-wasm\'s MaxPoolGrad (MaxPoolGrad.cc) starts each window\'s search at (std::numeric_limits<float>::min() = 2^-126, offset 0) and keeps x >= max: ' +
  'a window whose maximum is below 2^-126 (zero, negative, subnormal) or NaN sends its gradient to x\'s first element when that lies in the window and drops it otherwise, ' +
  'and a tied maximum gets it at its last occurrence; PyTorch routes it to the first maximum in row-major order, a NaN counting as the maximum';

const WASM_CEIL_OUTPUT =
  'tfjs-wasm\'s XNNPACK pools size their output by floor, so in ceil mode they write fewer values than tfjs allocated: the rest of the output is uninitialised memory ' +
  '(stale values of earlier tensors, different from call to call), and where the width differs the values written land in the wrong rows';

/** Each tfjs backend's expected differences: the shared ones, and where its kernels differ, its own (which replace the shared reason of that property). */
export const TFJS_DIFFERENCES: Readonly<Record<TfjsBackendName, Readonly<Record<string, string>>>> = {
  cpu: {
    ...SHARED_DIFFERENCES,
    'nan-propagates-like-reference':
      'max pooling and NaN (tfjs-cpu\'s kernels): its MaxPool keeps pixel > max, so a NaN never wins its window (the maximum of the rest, -Infinity if all are NaN), ' +
      'and its MaxPoolGrad sends no gradient to a NaN; PyTorch\'s NaN wins the window and takes the gradient. ' +
      `And, as in avgpool2d-equals-reference, ${COUNT_PADDING}; and ceil mode: ${CEIL}`,
  },
  wasm: {
    ...SHARED_DIFFERENCES,
    'maxpool2d-equals-reference': `${WASM_MAX_POOL_GRAD}; and ceil mode: ${CEIL}; and ${WASM_CEIL_OUTPUT}`,
    'avgpool2d-equals-reference': `${COUNT_PADDING}; and ceil mode: ${CEIL}; and ${WASM_CEIL_OUTPUT}`,
    'law-pooling-acts-per-channel': `ceil mode: ${CEIL}; and ${WASM_CEIL_OUTPUT}`,
    'law-max-pool-dominates-avg-pool': `ceil mode: ${CEIL}; and ${WASM_CEIL_OUTPUT}`,
    'law-pool-transpose-commutes': `ceil mode: ${CEIL}; and ${WASM_CEIL_OUTPUT}`,
    'contract-deterministic': `ceil mode: a gradient of the shape of tfjs's own pool output is not the forward output PyTorch defines; and ${WASM_CEIL_OUTPUT}`,
    'nan-propagates-like-reference':
      'NaN in tfjs-wasm\'s XNNPACK kernels: their output clamp turns NaN into -Infinity on some paths (a 1x1 conv of [NaN]; an average, or a max, over a 1x2 window [NaN, 1]) ' +
      'though not on others (a 1x2 conv of [NaN, 1] gives NaN), and its max pool drops a NaN that follows a number ([1, NaN] gives 1); PyTorch gives NaN. ' +
      `And the max-pool gradient: ${WASM_MAX_POOL_GRAD}. And, as in avgpool2d-equals-reference, ${COUNT_PADDING}; and ${WASM_CEIL_OUTPUT}`,
  },
  // Not run here (they need a browser): the differences tfjs-core causes, until the suite is run in Chromium.
  webgl: SHARED_DIFFERENCES,
  webgpu: SHARED_DIFFERENCES,
};

type NanCase = { op: 'conv' | 'pool'; c: any; nans: (number | [number, number])[] };
type RowsLike = { x: { values: ValueKind; specials: boolean }; dy: { values: ValueKind; specials: boolean } };

/**
 * The cases each difference concerns on `backend` (a predicate on the property's case, as
 * counterexamples print it), where that can be said: the property's other cases are still judged, so
 * a new fault in them fails. Properties absent here are expected to differ as a whole. A case the
 * adapter declines is never counted (the suite counts a case its `when` matches before running it).
 */
function casesOn(backend: TfjsBackendName): Record<string, (c: any) => boolean> {
  const runs = (test: (c: any) => boolean, swapped = false) => (c: any) => !declined(backend, c, swapped) && test(c);
  const wasm = backend === 'wasm';
  const cases: Record<string, (c: any) => boolean> = {
    // contract-deterministic stays whole: tfjs declines nearly all of its cases (grouped or dilated convs, dilated max pools), and
    // a `when` would let the run go on past its ceil-mode failures until the declines end it ('declined', the difference unseen).
    'law-output-shape-formula': runs(ceilShapeDiffers),
    // These laws compare tfjs with itself: only an empty output, or a window wholly outside the input (-Infinity max, NaN average),
    // breaks them; and on tfjs-wasm, the uninitialised rest of a ceil-mode output XNNPACK did not write.
    'law-pooling-acts-per-channel': runs((c) => ceilEmpty(c) || (wasm && wasmCeilUnwritten(c))),
    'law-max-pool-dominates-avg-pool': runs((c) => ceilEmptyWindow(c) || (wasm && wasmCeilUnwritten(c))),
    'law-pool-transpose-commutes': runs(ceilAffectedEitherWay, true),
    'maxpool2d-equals-reference': runs(ceilAffected),
    'avgpool2d-equals-reference': runs((c: PoolCase) => ceilAffected(c) || padded(c)),
    'relu-equals-reference': (c: RowsLike) => c.x.specials || c.dy.specials,
    'cross-entropy-equals-reference': (c: RowsLike & { columns: number }) => c.columns > 1 && (c.x.specials || c.x.values === 'saturating' || c.x.values === 'offset'),
  };
  if (backend === 'cpu') {
    // tfjs-cpu's conv and average pool propagate NaN as PyTorch does: only max pools with a NaN, and the shared causes, differ.
    cases['nan-propagates-like-reference'] = runs((c: NanCase) => ceilAffected(c) || (c.op === 'pool' && (c.c.kind === 'avg' ? padded(c.c) : nanCaseSpecials(c).nan)));
  }
  if (wasm) {
    // 'offset' values are made negative by the property (every window's maximum far below zero); the others are drawn as they are.
    cases['maxpool2d-equals-reference'] = runs((c: PoolCase) =>
      ceilAffected(c) || c.values === 'offset' || maxPoolRoutingDiffers(float32Tensor(c.xShape, c.seed, c.values ?? 'distinct'), c));
    cases['nan-propagates-like-reference'] = runs((c: NanCase) => {
      const { nan, infinities } = nanCaseSpecials(c);
      if (nan || ceilAffected(c) || (c.op === 'pool' && c.c.kind === 'avg' && padded(c.c))) return true;
      // Without a NaN in x, one arises only where infinities meet (+Infinity - Infinity) in a conv or an average.
      if (c.op === 'conv' || c.c.kind === 'avg') return infinities > 1;
      return maxPoolRoutingDiffers(nanCaseInput(c), c.c);
    });
  }
  return cases;
}

export const TFJS_CASES: Readonly<Record<TfjsBackendName, Readonly<Record<string, (c: any) => boolean>>>> = {
  cpu: casesOn('cpu'),
  wasm: casesOn('wasm'),
  webgl: casesOn('webgl'),
  webgpu: casesOn('webgpu'),
};

/** A backend's expected differences as the suite takes them, each narrowed to its cases where it can be. */
export function tfjsExpectedDifferences(backend: TfjsBackendName): ExpectedDifference[] {
  return Object.entries(TFJS_DIFFERENCES[backend]).map(([property, reason]) => ({ property, reason, when: TFJS_CASES[backend][property] }));
}

/** What the adapter declines (UnsupportedOptionError) on every tfjs backend: tfjs's API has no way to express it. */
const SHARED_UNSUPPORTED: readonly string[] = [
  'grouped conv2d (groups > 1)',
  'conv2d with both stride > 1 and dilation > 1',
  'conv2d gradients with dilation > 1',
  'max pooling with dilation > 1',
  'ceil-mode pooling with unequal padding per side',
  'cross-entropy over a single class',
];
export const TFJS_UNSUPPORTED: Readonly<Record<TfjsBackendName, readonly string[]>> = {
  cpu: SHARED_UNSUPPORTED,
  wasm: [
    ...SHARED_UNSUPPORTED,
    'ceil-mode pooling where XNNPACK\'s floor-mode output has more values than tfjs\'s ceil-mode output (it writes past the buffer and corrupts the wasm heap)',
  ],
  webgl: SHARED_UNSUPPORTED,
  webgpu: SHARED_UNSUPPORTED,
};

// ---------------------------------------------------------------------------------------------
// The adapter.
// ---------------------------------------------------------------------------------------------

/**
 * The tfjs kernels each operation's tfjs calls need beyond the elementwise ones every backend has
 * (transpose, add, mul, reshape). An operation with a kernel its backend does not register is left
 * out of the backend (the suite: not implemented) rather than failing every case with tfjs's
 * "Kernel '…' not registered".
 */
const KERNELS: Partial<Record<OperationName, readonly string[]>> = {
  conv2d: ['Conv2D'],
  conv2dBackward: ['Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Sum'],
  maxPool2d: ['MaxPool'],
  maxPool2dBackward: ['MaxPoolGrad'],
  avgPool2d: ['AvgPool'],
  avgPool2dBackward: ['AvgPoolGrad'],
  matmul: ['BatchMatMul'],
  linear: ['BatchMatMul'],
  linearBackward: ['BatchMatMul', 'Sum'],
  sigmoid: ['Sigmoid'],
  relu: ['Relu'],
  reluBackward: ['Step'],
  softmax: ['Softmax'],
  softmaxBackward: ['Sum'],
  logSoftmax: ['Max', 'Exp', 'Log', 'Sum'],
  logSoftmaxBackward: ['Exp', 'Sum'],
  crossEntropy: ['OneHot', 'Max', 'Exp', 'Log', 'Sum'],
  crossEntropyBackward: ['OneHot', 'Max', 'Exp', 'Log', 'Sum'],
  accuracy: ['ArgMax', 'Cast'],
};

/** The operations `backend`'s registered kernels cannot run, with the kernels they lack. */
export function tfjsMissingKernels(backend: TfjsBackendName): Partial<Record<OperationName, string[]>> {
  const registered = new Set(tf.getKernelsForBackend(backend).map((k) => k.kernelName));
  const missing: Partial<Record<OperationName, string[]>> = {};
  for (const [op, kernels] of Object.entries(KERNELS) as [OperationName, readonly string[]][]) {
    const lacking = kernels.filter((k) => !registered.has(k));
    if (lacking.length) missing[op] = lacking;
  }
  return missing;
}

const nhwc = (t: ref.Tensor) => tf.tidy(() => tf.transpose(tf.tensor4d(Float32Array.from(t.data), t.shape as [number, number, number, number]), [0, 2, 3, 1]));
const filterOf = (w: ref.Tensor) => tf.tidy(() => tf.transpose(tf.tensor4d(Float32Array.from(w.data), w.shape as [number, number, number, number]), [2, 3, 1, 0]));
const tensorOf = (t: ref.Tensor) => tf.tensor(Float32Array.from(t.data), [...t.shape]);

/** Reads a tfjs tensor back as one of ours (NHWC → NCHW for rank 4), and frees it. */
async function read(t: tf.Tensor, fromNhwc = t.rank === 4): Promise<ref.Tensor> {
  const out = fromNhwc ? tf.transpose(t, [0, 3, 1, 2]) : t;
  const data = (await out.data()) as Float32Array;
  const shape = [...out.shape];
  if (out !== t) out.dispose();
  t.dispose();
  return { shape, data };
}

type Conv2dPadding = [[0, 0], [number, number], [number, number], [0, 0]];
type PoolPadding = number | Conv2dPadding;

/** The tfjs operations on tfjs backend `backend`. */
function tfjsOperations(backend: TfjsBackendName): Omit<Backend, 'dispose'> {
  const name = `tfjs-${backend}`;
  /** tf.conv2d's arguments for `g`, or a decline of what it cannot express. */
  function convArgs(g: ref.Conv2dGeometry): { strides: [number, number]; pad: Conv2dPadding; dilations: [number, number] } {
    if (g.groups > 1) throw new UnsupportedOptionError(name, `grouped conv2d (groups=${g.groups}); tf.conv2d has no groups`);
    if ((g.strideH > 1 || g.strideW > 1) && (g.dilationH > 1 || g.dilationW > 1)) {
      throw new UnsupportedOptionError(name, 'conv2d with both stride > 1 and dilation > 1 (tf.conv2d rejects it)');
    }
    return {
      strides: [g.strideH, g.strideW],
      pad: [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]],
      dilations: [g.dilationH, g.dilationW],
    };
  }

  /**
   * tfjs pools take per-side padding only as an explicit [[0,0],[t,b],[l,r],[0,0]] array, and rounding
   * (ceil mode) only with a single padding number. A single number is also subject to a tfjs shape bug
   * (TFJS_DIFFERENCES), so it is used only where ceil mode needs it.
   */
  function poolArgs(g: ref.Pool2dGeometry, dilated: boolean): { pad: PoolPadding; rounding?: 'ceil' } {
    if (dilated) throw new UnsupportedOptionError(name, 'max pooling with dilation > 1 (tf.maxPool has none)');
    if (!g.ceilMode) return { pad: [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]] };
    if (g.padTop !== g.padBottom || g.padLeft !== g.padRight || g.padTop !== g.padLeft) {
      throw new UnsupportedOptionError(name, 'ceil-mode pooling with unequal padding per side (tfjs rounds only with one padding number)');
    }
    if (backend === 'wasm') declineWasmCeilOverflow(g);
    return { pad: g.padTop, rounding: 'ceil' };
  }

  /**
   * tfjs-wasm hands its ceil-mode output buffer to XNNPACK, which sizes the output by floor with the
   * true window and stride of each axis; where that is more values than tfjs's ceil shape (computed
   * from the window and stride heights on both axes), XNNPACK writes past the buffer, corrupts the
   * wasm heap, and a later allocation fails ("memory access out of bounds") in whatever call comes
   * next. The suite cannot judge that case without ruining the rest of the run: declined.
   */
  function declineWasmCeilOverflow(g: ref.Pool2dGeometry): void {
    const { written, allocated } = wasmCeilOutput(g);
    if (written > allocated) {
      throw new UnsupportedOptionError(name, `this ceil-mode pooling: XNNPACK would write ${written} values per channel into tfjs's ${allocated} (past the buffer, corrupting the wasm heap)`);
    }
  }

  /** tf.oneHot needs a depth of at least 2, so softmaxCrossEntropy cannot take logits of one class. */
  function declineSingleClass(logits: ref.Tensor): void {
    if (logits.shape[1] < 2) throw new UnsupportedOptionError(name, 'cross-entropy over a single class (tf.oneHot needs depth >= 2)');
  }

  const conv = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D | null, g: ref.Conv2dGeometry) => {
    const { strides, pad, dilations } = convArgs(g);
    const y = tf.conv2d(x, w, strides, pad, 'NHWC', dilations);
    return b ? tf.add(y, b) : y;
  };
  const maxPool = (x: tf.Tensor4D, g: ref.Pool2dGeometry) => {
    const { pad, rounding } = poolArgs(g, g.dilationH > 1 || g.dilationW > 1);
    return tf.maxPool(x, [g.kernelH, g.kernelW], [g.strideH, g.strideW], pad as never, rounding);
  };
  const avgPool = (x: tf.Tensor4D, g: ref.Pool2dGeometry) => {
    const { pad, rounding } = poolArgs(g, false);
    return tf.avgPool(x, [g.kernelH, g.kernelW], [g.strideH, g.strideW], pad as never, rounding);
  };
  /** Gradient of a scalar-free op: d/dx of sum(f(x) * dy). */
  const vjp = (f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], dy: tf.Tensor) => tf.grads(f)(inputs, dy);

  return {
    name,
    async conv2d(x, w, b, o = {}) {
      const g = checkConv2d('conv2d', x, w, b, o);
      return read(tf.tidy(() => conv(nhwc(x) as tf.Tensor4D, filterOf(w) as tf.Tensor4D, b && (tensorOf(b) as tf.Tensor1D), g)));
    },
    async conv2dBackward(dy, x, w, o = {}) {
      const g = checkConv2dBackward(dy, x, w, o);
      if (g.dilationH > 1 || g.dilationW > 1) throw new UnsupportedOptionError(name, 'conv2d gradients with dilation > 1 (tfjs: "not yet supported in gradients")');
      const [dx, dwNhwc, db] = tf.tidy(() => {
        const bias = tf.zeros([g.outChannels]);
        const grads = vjp((xi, wi, bi) => conv(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D, g), [nhwc(x), filterOf(w), bias], nhwc(dy));
        return [grads[0], tf.transpose(grads[1], [3, 2, 0, 1]), grads[2]];
      });
      return { dx: await read(dx), dw: await read(dwNhwc, false), db: await read(db) };
    },
    async maxPool2d(x, o) {
      const g = checkMaxPool2d('maxPool2d', x, o);
      return read(tf.tidy(() => maxPool(nhwc(x) as tf.Tensor4D, g)));
    },
    async maxPool2dBackward(dy, x, o) {
      const g = checkMaxPool2dBackward(dy, x, o);
      return { dx: await read(tf.tidy(() => vjp((xi) => maxPool(xi as tf.Tensor4D, g), [nhwc(x)], nhwc(dy))[0])) };
    },
    async avgPool2d(x, o) {
      const g = checkAvgPool2d('avgPool2d', x, o);
      return read(tf.tidy(() => avgPool(nhwc(x) as tf.Tensor4D, g)));
    },
    async avgPool2dBackward(dy, x, o) {
      const g = checkAvgPool2dBackward(dy, x, o);
      return { dx: await read(tf.tidy(() => vjp((xi) => avgPool(xi as tf.Tensor4D, g), [nhwc(x)], nhwc(dy))[0])) };
    },
    async matmul(A, B) {
      checkMatmul(A, B);
      return read(tf.tidy(() => tf.matMul(tensorOf(A) as tf.Tensor2D, tensorOf(B) as tf.Tensor2D)));
    },
    async linear(x, w, b) {
      checkLinear('linear', x, w, b);
      return read(tf.tidy(() => {
        const y = tf.matMul(tensorOf(x) as tf.Tensor2D, tensorOf(w) as tf.Tensor2D, false, true);
        return b ? tf.add(y, tensorOf(b)) : y;
      }));
    },
    async linearBackward(dy, x, w) {
      checkLinearBackward(dy, x, w);
      const [dx, dw, db] = tf.tidy(() =>
        vjp((xi, wi, bi) => tf.add(tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D, false, true), bi), [tensorOf(x), tensorOf(w), tf.zeros([w.shape[0]])], tensorOf(dy)),
      );
      return { dx: await read(dx), dw: await read(dw), db: await read(db) };
    },
    async flatten(x) {
      const shape = ref.flatten(x).shape;
      return read(tf.tidy(() => tf.reshape(tensorOf(x), [...shape])));
    },
    async flattenBackward(dy, inputShape) {
      const { dx } = ref.flattenBackward(dy, inputShape);
      return { dx: await read(tf.tidy(() => tf.reshape(tensorOf(dy), [...dx.shape])), false) };
    },
    async sigmoid(x) {
      ref.sigmoid(x); // validation
      return read(tf.tidy(() => tf.sigmoid(tensorOf(x))), false);
    },
    async sigmoidBackward(dy, y) {
      ref.sigmoidBackward(dy, y);
      return { dx: await read(tf.tidy(() => { const yt = tensorOf(y); return tf.mul(tensorOf(dy), tf.mul(yt, tf.sub(1, yt))); }), false) };
    },
    async relu(x) {
      ref.relu(x);
      return read(tf.tidy(() => tf.relu(tensorOf(x))), false);
    },
    async reluBackward(dy, x) {
      ref.reluBackward(dy, x);
      return { dx: await read(tf.tidy(() => tf.mul(tensorOf(dy), tf.step(tensorOf(x)))), false) };
    },
    async softmax(x) {
      ref.softmax(x);
      return read(tf.tidy(() => tf.softmax(tensorOf(x))), false);
    },
    async softmaxBackward(dy, y) {
      ref.softmaxBackward(dy, y);
      return { dx: await read(tf.tidy(() => { const yt = tensorOf(y); const d = tensorOf(dy); return tf.mul(yt, tf.sub(d, tf.sum(tf.mul(d, yt), -1, true))); }), false) };
    },
    async logSoftmax(x) {
      ref.logSoftmax(x);
      return read(tf.tidy(() => tf.logSoftmax(tensorOf(x))), false);
    },
    async logSoftmaxBackward(dy, y) {
      ref.logSoftmaxBackward(dy, y);
      return { dx: await read(tf.tidy(() => { const d = tensorOf(dy); return tf.sub(d, tf.mul(tf.exp(tensorOf(y)), tf.sum(d, -1, true))); }), false) };
    },
    async crossEntropy(logits, labels) {
      assertLabels('crossEntropy', logits, labels);
      declineSingleClass(logits);
      const t = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels as number[], logits.shape[1]), tensorOf(logits)));
      return (await read(t, false)).data[0];
    },
    async crossEntropyBackward(logits, labels) {
      assertLabels('crossEntropyBackward', logits, labels);
      declineSingleClass(logits);
      const g = tf.tidy(() => {
        const target = tf.oneHot(labels as number[], logits.shape[1]);
        return tf.grad((l) => tf.losses.softmaxCrossEntropy(target, l))(tensorOf(logits));
      });
      return { dlogits: await read(g, false) };
    },
    async accuracy(logits, labels) {
      assertLabels('accuracy', logits, labels);
      const predicted = await read(tf.tidy(() => tf.cast(tf.argMax(tensorOf(logits), -1), 'float32')), false);
      let hits = 0;
      predicted.data.forEach((p, i) => { hits += p === labels[i] ? 1 : 0; });
      return hits / labels.length;
    },
    async sgd(params, grads, lr) {
      checkSgd(params, grads, lr);
      for (let i = 0; i < params.length; i++) {
        const updated = await read(tf.tidy(() => tf.sub(tensorOf(params[i]), tf.mul(lr, tensorOf(grads[i])))), false);
        params[i].data.set(updated.data);
      }
    },
  };
}

/**
 * The adapter on tfjs backend `backend`, made synchronously: each operation activates the backend
 * first (tf.setBackend, awaited), so this also serves callers that cannot await a factory
 * (createTfjsCpuBackend). The backend's kernels must be registered already (its package imported).
 * Operations whose kernels it lacks are left out (see KERNELS).
 */
export function tfjsBackendOn(backend: TfjsBackendName, variant?: string): PartialBackend {
  const name = `tfjs-${backend}`;
  const operations = tfjsOperations(backend);
  const missing = tfjsMissingKernels(backend);
  let activating: Promise<void> | null = null;
  const activate = async () => {
    if (tf.getBackend() === backend) return;
    activating ??= (async () => {
      if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not initialise its ${backend} backend`);
      await tf.ready();
    })().finally(() => { activating = null; });
    await activating;
  };
  const absent = Object.entries(missing).map(([op, kernels]) => `${op} (no ${kernels!.join(', ')} kernel)`);
  const result: Record<string, unknown> = {
    name,
    variant: [variant ?? `tfjs ${tf.version_core} ${backend}`, ...(absent.length ? [`not implemented: ${absent.join('; ')}`] : [])].join('; '),
    dispose: () => tf.disposeVariables(),
  };
  for (const op of OPERATION_NAMES) {
    if (missing[op]) continue;
    const f = operations[op] as (...args: unknown[]) => Promise<unknown>;
    result[op] = async (...args: unknown[]) => {
      await activate();
      return f(...args);
    };
  }
  return result as unknown as PartialBackend;
}

/**
 * TensorFlow.js on `options.backend`, named `tfjs-<backend>`, ready to run: the backend's package is
 * imported (wasm, webgpu: dynamically, here, only when asked for), initialised (tf.setBackend and
 * tf.ready awaited) and made the active one. `webgl` and `webgpu` exist only in a browser.
 */
export async function createTfjsBackend(options: TfjsBackendOptions): Promise<PartialBackend> {
  const { backend, threads } = options;
  if (!TFJS_BACKENDS.includes(backend)) throw new TypeError(`createTfjsBackend: backend must be one of ${TFJS_BACKENDS.join(', ')}; got ${JSON.stringify(backend)}`);
  if (threads !== undefined && backend !== 'wasm') throw new TypeError(`createTfjsBackend: threads applies to the wasm backend only; got backend ${backend}`);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new TypeError(`createTfjsBackend: threads must be a positive integer; got ${threads}`);
  let variant = `tfjs ${tf.version_core} ${backend}`;
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // setThreadsCount acts only before the wasm backend's first initialisation (tf.engine().registry holds the initialised ones).
    const initialisedBefore = tf.engine().registry.wasm !== undefined;
    if (threads !== undefined && !initialisedBefore) wasm.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not initialise its wasm backend');
    await tf.ready();
    const actual = wasm.getThreadsCount();
    const threaded = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
    if (threads !== undefined && initialisedBefore && threaded && actual !== threads) {
      throw new Error(`createTfjsBackend: tfjs's wasm backend already runs ${actual} thread(s) in this process; threads is fixed at its first initialisation`);
    }
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    // Where the engine has no threaded build (Node), XNNPACK runs 1 thread whatever was asked: the variant says what runs.
    variant += ` (${simd ? 'SIMD' : 'scalar'} build, ${actual} thread${actual === 1 ? '' : 's'}${threaded ? '' : ', no threaded build here'})`;
  } else {
    // Importing the webgpu package registers its backend (it needs navigator.gpu, so a browser): done here, only when asked for.
    if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
    const ok = await tf.setBackend(backend).catch((error: Error) => {
      throw new Error(`tfjs could not initialise its ${backend} backend${backend === 'cpu' ? '' : ' (webgl and webgpu exist only in a browser)'}: ${error.message}`);
    });
    if (!ok) throw new Error(`tfjs could not initialise its ${backend} backend${backend === 'cpu' ? '' : ' (webgl and webgpu exist only in a browser)'}`);
    await tf.ready();
  }
  return tfjsBackendOn(backend, variant);
}
