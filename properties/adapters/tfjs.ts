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
import { rowsInputs, rowsLabels, type RowsCase } from '../arbitraries/rowsCase.ts';
import { belowZero, float32Tensor, flushSubnormals, type ValueKind } from '../tensors.ts';
import { logSoftmaxBackwardTolerance, SMALLEST_NORMAL } from '../tolerance.ts';

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
export const ceilEmptyWindow = anyCeilCase((s) => [0, 1].some((i) => s.tfjs[i] <= 0 || s.lastStart[i] >= s.size[i]));

/** tfjs-wasm: XNNPACK writes fewer values than tfjs's ceil-mode output holds (the rest is uninitialised memory), or tfjs's output is empty. */
const wasmCeilUnwritten = anyCeilCase((s) => [0, 1].some((i) => s.tfjs[i] <= 0 || s.tfjs[i] !== s.floor[i]));

/** Some window of the case reaches into padding. */
export const padded = (c: PoolCase) => Object.values(ref.resolvePadding('pool', c.options.padding ?? 0)).some((p) => p > 0);

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

// ---- tfjs's GPU backends (webgl, webgpu), as their shaders run on SwiftShader in headless Chromium ----

/** The sentinel tfjs's GPU max pools start each window from (-1/1e-20: WebGL on Firefox cannot compile 1/0), in float32. */
const GPU_POOL_START = Math.fround(-1e20);

/**
 * Whether tfjs's GPU max pool differs from PyTorch's on x somewhere, window by window (webgl's
 * pool_gpu.js and webgpu's pool_webgpu.js run the same algorithm; dilation is declined, ceil-mode
 * shapes are judged by ceilAffected). As measured on SwiftShader:
 * - forward: a window starts at -1e20 and takes max(value, m), which drops a NaN; so a window holding
 *   a NaN gives the largest of its other cells, and one holding only NaN and -Infinity gives -1e20.
 *   Exact where tfjs skips the shader: a 1x1 window of unchanged shape (identity, both backends); on
 *   webgpu also every other 1x1 window (copied) and, in ceil mode with padding 0, a window the size of
 *   a single image's input (a Max reduction, which keeps NaN).
 * - gradient: MaxPoolGrad picks each window's cell with `value >= mix(value, m, found)`, with mix(a, b, t)
 *   evaluated as a + t(b - a): a later tie wins (the last maximum), an infinity never compares (Infinity
 *   + 0·(0 - Infinity) is NaN), nor does a NaN, and a window where nothing compared sends its gradient
 *   to the window's first cell (dropped if that is padding).
 * PyTorch takes the first maximum in row-major order (a NaN winning, a later NaN over an earlier one).
 */
function gpuMaxPoolDiffers(backend: 'webgl' | 'webgpu', x: ref.Tensor, c: PoolCase): boolean {
  const g = geometryOf(c);
  const oneByOne = g.kernelH === 1 && g.kernelW === 1;
  const identity = oneByOne && g.outH === g.inH && g.outW === g.inW;
  const wholeInput = c.options.ceilMode === true && g.padTop === 0 && g.batch === 1 && g.kernelH === g.inH && g.kernelW === g.inW;
  const forwardExact = identity || (backend === 'webgpu' && (oneByOne || wholeInput));
  const f32 = Math.fround;
  for (let plane = 0; plane < g.batch * g.channels; plane++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        let winner = -1;
        let best = -Infinity;
        let gpuMax = GPU_POOL_START;
        let found = 0;
        let m = 0;
        let position = 0;
        for (let i = 0; i < g.kernelH; i++) {
          const h = oh * g.strideH - g.padTop + i;
          if (h < 0 || h >= g.inH) continue;
          for (let j = 0; j < g.kernelW; j++) {
            const w = ow * g.strideW - g.padLeft + j;
            if (w < 0 || w >= g.inW) continue;
            const offset = i * g.kernelW + j;
            const v = x.data[(plane * g.inH + h) * g.inW + w];
            if (winner === -1 || v > best || Number.isNaN(v)) [winner, best] = [offset, v];
            if (v > gpuMax) gpuMax = v;
            if (v >= f32(v + f32(found * f32(m - v)))) [m, found, position] = [v, 1, offset];
          }
        }
        if (winner === -1) continue; // a window outside the input: ceil mode only, judged by ceilAffected
        if (position !== winner) return true;
        if (!forwardExact && !(gpuMax === best)) return true; // NaN never equals: a NaN the window holds is dropped
      }
    }
  }
  return false;
}

/** x as maxpool2d-equals-reference draws it (properties/operations/pool2d/conformance.ts). */
const maxCaseInput = (c: PoolCase): ref.Tensor => {
  const drawn = float32Tensor(c.xShape, c.seed, c.values ?? 'distinct');
  return c.values === 'offset' ? belowZero(drawn) : drawn;
};

/** A rows case's rows (of x): each an array of its values. */
function rowsOf(c: RowsCase): number[][] {
  const { x } = rowsInputs(c);
  return Array.from({ length: c.rows }, (_, n) => Array.from(x.data.subarray(n * c.columns, (n + 1) * c.columns)));
}

/**
 * tfjs's GPU backends (webgl, webgpu): in logSoftmaxBackward's product exp(y)·Σdy, a subnormal exp(y)
 * (y below -87.34) reads as 0, and dy - exp(y)·Σdy misses its bound where the lost product is above it.
 */
function gpuLogSoftmaxFlushLoses(c: RowsCase): boolean {
  const { x, dy } = rowsInputs(c);
  const y: ref.Tensor = { shape: x.shape, data: Float32Array.from(ref.logSoftmax(x).data) };
  const want = ref.logSoftmaxBackward(dy, y).dx.data;
  const bound = logSoftmaxBackwardTolerance(dy.data, y.data, want, c.columns);
  return Array.from(y.data).some((yi, i) => {
    const p = Math.fround(Math.exp(yi));
    return p > 0 && p < SMALLEST_NORMAL && Math.abs(dy.data[i] - want[i]) > bound[i];
  });
}

/**
 * tfjs-webgpu's ArgMax for rows of 32 or more (argminmax_webgpu.js, 'shared'): 64 threads each take
 * every 64th element (the first of their maxima), then a tree keeps the lower thread on a tie; its
 * comparisons read subnormals as zero and skip NaN. The index it returns for each row.
 */
function webgpuArgMax(row: readonly number[]): number {
  const v = flushSubnormals({ shape: [row.length], data: Float32Array.from(row) }).data;
  if (row.length < 32) {
    let best = 0;
    for (let k = 1; k < v.length; k++) if (v[k] > v[best]) best = k;
    return best;
  }
  const values: number[] = [];
  const indices: number[] = [];
  for (let t = 0; t < 64; t++) {
    let best = -Infinity;
    let index = t;
    for (let k = t; k < v.length; k += 64) if (!Number.isNaN(v[k]) && v[k] > best) [best, index] = [v[k], k];
    values.push(best);
    indices.push(index);
  }
  for (let size = Math.min(v.length, 64); size > 1; size = Math.ceil(size / 2)) {
    const half = Math.floor(size / 2);
    const interval = Math.ceil(size / 2);
    for (let t = 0; t < half; t++) if (values[t + interval] > values[t]) [values[t], indices[t]] = [values[t + interval], indices[t + interval]];
  }
  return indices[0];
}

/** tfjs-webgpu's accuracy (webgpuArgMax) is neither the reference's nor the reference's on x with subnormals flushed. */
function webgpuAccuracyDiffers(c: RowsCase): boolean {
  const { x } = rowsInputs(c);
  const labels = rowsLabels(c, x);
  const predicted = rowsOf(c).map(webgpuArgMax);
  const accuracy = predicted.filter((p, n) => p === labels[n]).length / c.rows;
  return accuracy !== ref.accuracy(x, labels) && accuracy !== ref.accuracy(flushSubnormals(x), labels);
}

/** tfjs-webgpu's Softmax shader: a row holding a NaN or +Infinity, and a cell that is neither (which comes out 0, not NaN). */
const webgpuSoftmaxDiffers = (c: RowsCase) =>
  rowsOf(c).some((row) => row.some((v) => Number.isNaN(v) || v === Infinity) && row.some((v) => !Number.isNaN(v) && v !== Infinity));

/** tfjs-webgpu's logSoftmax (tfjs-core's, composed): a row holding +Infinity but no NaN, and a cell other than +Infinity (-Infinity, not NaN). */
const webgpuLogSoftmaxDiffers = (c: RowsCase) =>
  rowsOf(c).some((row) => row.includes(Infinity) && !row.some(Number.isNaN) && row.some((v) => v !== Infinity));

/**
 * tfjs-webgpu's logSoftmax gradient dy - exp(y)·Σdy on 1000 elements or more (smaller CPU-resident
 * tensors run on tfjs's CPU kernels: WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD): its WGSL exp(NaN) is
 * +Infinity, so a NaN y with a number dy, in a row whose Σdy is a nonzero number, gives ∓Infinity.
 */
function webgpuLogSoftmaxGradientInfinite(c: RowsCase): boolean {
  if (c.rows * c.columns < 1000) return false;
  const { x, dy } = rowsInputs(c);
  const y = ref.logSoftmax(x).data;
  return rowsOf(c).some((_, n) => {
    let sum = 0;
    for (let k = 0; k < c.columns; k++) sum += dy.data[n * c.columns + k];
    if (!Number.isFinite(sum) || sum === 0) return false;
    for (let k = 0; k < c.columns; k++) if (Number.isNaN(y[n * c.columns + k]) && !Number.isNaN(dy.data[n * c.columns + k])) return true;
    return false;
  });
}

/** tfjs-webgpu's relu keeps a negative subnormal x as it is. */
const hasNegativeSubnormal = (c: RowsCase) => rowsInputs(c).x.data.some((v) => v < 0 && v > -SMALLEST_NORMAL);

/**
 * tfjs-webgpu's 1x1 pooling (PoolWithFilterSizeEqualsOneProgram, max and average alike) reads x at
 * (row·strideH, column·strideW) of its NHWC buffer with no bounds check; WebGPU clamps an index past
 * the buffer to its last element. The output tfjs-core's ceil-mode shape asks of it, per NCHW channel.
 */
function webgpuOneByOnePool(x: ref.Tensor, p: PoolCase): number[][] {
  const [batch, channels, height, width] = x.shape;
  const g = geometryOf(p);
  const [outH, outW] = ceilSides(p).tfjs;
  const last = x.data.length - 1;
  const out: number[][] = Array.from({ length: channels }, () => []);
  for (let n = 0; n < batch; n++) {
    for (let ch = 0; ch < channels; ch++) {
      for (let i = 0; i < outH; i++) {
        for (let j = 0; j < outW; j++) {
          const f = Math.min(((n * height + i * g.strideH) * width + j * g.strideW) * channels + ch, last);
          const [c, w, h, m] = [f % channels, Math.floor(f / channels) % width, Math.floor(f / (channels * width)) % height, Math.floor(f / (channels * width * height))];
          out[ch].push(x.data[((m * channels + c) * height + h) * width + w]);
        }
      }
    }
  }
  return out;
}

/**
 * law-pooling-acts-per-channel on tfjs-webgpu: a 1x1 ceil-mode case with a window wholly outside the
 * input, where what it reads past the plane (webgpuOneByOnePool) differs between x and its channels.
 */
function webgpuOneByOneBreaksChannels(c: { c: PoolCase; split: number }): boolean {
  const p = c.c;
  if (p.options.ceilMode !== true) return false;
  const g = geometryOf(p);
  const s = ceilSides(p);
  if (g.kernelH !== 1 || g.kernelW !== 1 || s.tfjs.some((n) => n <= 0) || ![0, 1].some((i) => s.lastStart[i] >= s.size[i])) return false;
  const x = float32Tensor(p.xShape, p.seed, 'integer');
  const [batch, channels, height, width] = p.xShape;
  const slice = (from: number, to: number): ref.Tensor => {
    const data = new Float32Array(batch * (to - from) * height * width);
    for (let n = 0; n < batch; n++) data.set(x.data.subarray((n * channels + from) * height * width, (n * channels + to) * height * width), n * (to - from) * height * width);
    return { shape: [batch, to - from, height, width], data };
  };
  const whole = webgpuOneByOnePool(x, p).map((v) => v.join());
  const cut = Math.min(c.split, channels);
  const parts = cut === channels ? whole : [...webgpuOneByOnePool(slice(0, cut), p), ...webgpuOneByOnePool(slice(cut, channels), p)].map((v) => v.join());
  return parts.some((v, ch) => v !== whole[ch]) || whole.some((v, ch) => webgpuOneByOnePool(slice(ch, ch + 1), p)[0].join() !== v);
}

/**
 * tfjs-webgpu: in ceil mode with padding 0, a window the size of a single image's input is a Max or
 * Mean reduction reshaped to tfjs-core's ceil shape, which throws where that shape is not 1x1.
 */
const webgpuWholeInputThrows = (c: any) =>
  poolCasesIn(c).some((p) => {
    if (p.options.ceilMode !== true) return false;
    const g = geometryOf(p);
    const s = ceilSides(p);
    return g.batch === 1 && g.padTop === 0 && g.kernelH === g.inH && g.kernelW === g.inW && (s.tfjs[0] !== 1 || s.tfjs[1] !== 1);
  });

/** A ceil-mode window wholly outside the input that tfjs-webgpu runs through its general shader (not 1x1): max -1e20, average 0. */
const webgpuWindowOutside = anyCeilCase((s) => [0, 1].some((i) => s.tfjs[i] > 0 && s.lastStart[i] >= s.size[i]));
const notOneByOne = (c: any) => poolCasesIn(c).some((p) => { const g = geometryOf(p); return g.kernelH !== 1 || g.kernelW !== 1; });

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

/** The log-softmax gradient's lost subnormal on tfjs's GPU backends (seen on both). */
const GPU_LOG_SOFTMAX_FLUSH = (backend: 'webgl' | 'webgpu') =>
  `tfjs-${backend}'s logSoftmax gradient dy - exp(y)·Σdy reads a subnormal exp(y) (y below -87.34) as 0 in its product with the reduced Σdy (${backend === 'webgl' ? 'GLSL ES' : 'WGSL'} lets a GPU flush subnormals; ` +
  'SwiftShader does there), so where the lost exp(y)·Σdy is above the bound dx is dy alone (0 for 1.96e-37 at y = -91.54, Σdy = -1121.4, dy = 0); PyTorch keeps subnormals';

const WEBGPU_WHOLE_INPUT =
  'in ceil mode with padding 0, a window the size of a single image\'s input is a Max or Mean reduction reshaped to tfjs-core\'s ceil shape, which throws where that shape is not 1x1 ' +
  '(x [1, 1, 1, 2], window [1, 2]: "Size(1) must match the product of shape 1,1,2,1")';

const GPU_MAX_POOL_TIES =
  'tfjs\'s GPU MaxPoolGrad (webgl and webgpu alike) picks each window\'s cell with `value >= mix(value, max, found)`, so a tied maximum gets the gradient at its last occurrence; ' +
  'PyTorch sends it to the first maximum in row-major order';

/** The NaN property's difference on tfjs's GPU backends: their max pool (forward and gradient), and the shared causes. */
const gpuMaxPoolNaN = (backend: 'webgl' | 'webgpu') =>
  `max pooling and NaN, ±Infinity in tfjs-${backend}'s shaders (SwiftShader; GLSL and WGSL leave max of a NaN undefined): each window starts at -1e20 (-1/1e-20) and takes max(value, m), ` +
  'which drops a NaN, so a window holding a NaN gives the largest of its other cells ([NaN, 1] gives 1) and one of only NaN and -Infinity gives -1e20' +
  (backend === 'webgl' ? ' (a 1x1 window too, unless the output keeps the input\'s shape)' : ' (a 1x1 window is copied, and in ceil mode a window the size of a single image\'s input is a Max reduction: those keep NaN)') +
  '; and MaxPoolGrad picks a window\'s cell with `value >= mix(value, max, found)` (mix evaluated as a + t(b - a)): a tie goes to the last maximum, and neither a NaN nor an infinity is ' +
  'ever picked (Infinity + 0·(0 - Infinity) is NaN): [Infinity, 1] sends the gradient to the 1, and a window where nothing was picked sends it to its first cell. PyTorch\'s max pool ' +
  'gives NaN for a window holding one, pads with -Infinity, and sends the gradient to the first maximum, a NaN winning. ' +
  `And, as in avgpool2d-equals-reference, ${COUNT_PADDING}; and ceil mode: ${CEIL}`;

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
  // Found by the suite in headless Chromium (properties/matrix/chromium.ts): SwiftShader's WebGL2 and its WebGPU fallback adapter.
  webgl: {
    ...SHARED_DIFFERENCES,
    'maxpool2d-equals-reference': `${GPU_MAX_POOL_TIES}; and ceil mode: ${CEIL}`,
    'nan-propagates-like-reference': gpuMaxPoolNaN('webgl'),
    'log-softmax-equals-reference': GPU_LOG_SOFTMAX_FLUSH('webgl'),
  },
  webgpu: {
    ...SHARED_DIFFERENCES,
    'maxpool2d-equals-reference': `${GPU_MAX_POOL_TIES}; and ceil mode: ${CEIL}`,
    'nan-propagates-like-reference': gpuMaxPoolNaN('webgpu'),
    'law-pooling-acts-per-channel':
      `${SHARED_DIFFERENCES['law-pooling-acts-per-channel']}; and on tfjs-webgpu a 1x1 window (PoolWithFilterSizeEqualsOneProgram, no bounds check) that tfjs-core's ceil-mode shape places wholly outside the input ` +
      'reads past its plane: the next row, image, or (WebGPU clamping the index) the buffer\'s last element, another channel\'s (x [1, 2, 4, 1], window 1, stride [2, 1]: -3 where the channel pooled alone gives 1); ' +
      `and ${WEBGPU_WHOLE_INPUT}. PyTorch has no such window`,
    'law-max-pool-dominates-avg-pool': `${SHARED_DIFFERENCES['law-max-pool-dominates-avg-pool']}; and on tfjs-webgpu, ${WEBGPU_WHOLE_INPUT}`,
    'sigmoid-equals-reference':
      'tfjs-webgpu\'s sigmoid, 1.0 / (1.0 + exp(-1.0 * a)) in WGSL, gives 0 for a NaN x (WGSL lets an implementation assume no NaN; SwiftShader\'s exp(NaN) is +Infinity, and 1 / (1 + Infinity) is 0); PyTorch gives NaN',
    'relu-equals-reference':
      `${SHARED_DIFFERENCES['relu-equals-reference']}; and tfjs-webgpu's relu, select(a, 0.0, a < 0.0) in WGSL, compares with subnormals flushed to zero (WGSL allows it) but returns a's bits, ` +
      'so a negative subnormal x comes back unchanged (relu(-2.158e-43) = -2.158e-43), where PyTorch (and a flushing PyTorch) gives 0',
    'softmax-equals-reference':
      'tfjs-webgpu\'s Softmax shader takes the row maximum with WGSL max, which drops a NaN on SwiftShader (WGSL lets an implementation assume no NaN), and its exp(NaN) is +Infinity, ' +
      'so in a row holding a NaN or +Infinity (x - max NaN) the sum is +Infinity: those cells give NaN and every other cell 0 ([NaN, 1, 2] gives [NaN, 0, 0]); PyTorch\'s softmax gives NaN across the row',
    'log-softmax-equals-reference':
      'tfjs-webgpu\'s logSoftmax (tfjs-core\'s x - max - log Σ exp(x - max)) in a row holding +Infinity and no NaN: the +Infinity cell gives NaN (Infinity - Infinity) but every other cell -Infinity, ' +
      'the NaN of the row\'s sum lost on SwiftShader (WGSL lets an implementation assume no NaN) ([Infinity, 1, 2] gives [NaN, -Infinity, -Infinity]); PyTorch\'s log_softmax gives NaN across the row. ' +
      'Its gradient dy - exp(y)·Σdy, on 1000 elements or more (smaller tensors run on tfjs\'s CPU kernels, WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD), takes exp(NaN) as +Infinity (SwiftShader\'s WGSL exp), ' +
      'so a NaN y gives ∓Infinity where PyTorch gives NaN (rows of [3, 334]: Infinity for NaN). ' +
      `And ${GPU_LOG_SOFTMAX_FLUSH('webgpu')}`,
    'cross-entropy-equals-reference':
      `${SHARED_DIFFERENCES['cross-entropy-equals-reference']}. And tfjs-webgpu's ArgMax (accuracy) on a row of 32 or more: 64 threads each keep the first maximum of every 64th element, ` +
      'then a tree keeps the lower thread on a tie, so of tied maxima it returns the one whose index is lowest modulo 64 (with subnormals compared as zero); PyTorch\'s argmax returns the first',
  },
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
  if (backend === 'webgl' || backend === 'webgpu') {
    const gpu = backend;
    cases['maxpool2d-equals-reference'] = runs((c: PoolCase) => ceilAffected(c) || gpuMaxPoolDiffers(gpu, maxCaseInput(c), c));
    // tfjs's GPU conv and average pool propagate NaN and ±Infinity as PyTorch does: max pools with one, and the shared causes, differ.
    cases['nan-propagates-like-reference'] = runs((c: NanCase) =>
      ceilAffected(c) || (c.op === 'pool' && (c.c.kind === 'avg' ? padded(c.c) : gpuMaxPoolDiffers(gpu, nanCaseInput(c), c.c))));
  }
  if (backend === 'webgl') cases['log-softmax-equals-reference'] = gpuLogSoftmaxFlushLoses;
  if (backend === 'webgpu') {
    const shared = { ...cases };
    cases['law-pooling-acts-per-channel'] = runs((c) => ceilEmpty(c) || webgpuWholeInputThrows(c) || webgpuOneByOneBreaksChannels(c));
    cases['law-max-pool-dominates-avg-pool'] = runs((c) => ceilEmpty(c) || webgpuWholeInputThrows(c) || (webgpuWindowOutside(c) && notOneByOne(c)));
    cases['sigmoid-equals-reference'] = (c: RowsCase) => rowsInputs(c).x.data.some(Number.isNaN);
    cases['relu-equals-reference'] = (c: RowsCase & RowsLike) => shared['relu-equals-reference'](c) || hasNegativeSubnormal(c);
    cases['softmax-equals-reference'] = webgpuSoftmaxDiffers;
    cases['log-softmax-equals-reference'] = (c: RowsCase) => webgpuLogSoftmaxDiffers(c) || webgpuLogSoftmaxGradientInfinite(c) || gpuLogSoftmaxFlushLoses(c);
    cases['cross-entropy-equals-reference'] = (c: RowsCase & RowsLike & { columns: number }) => shared['cross-entropy-equals-reference'](c) || webgpuAccuracyDiffers(c);
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
