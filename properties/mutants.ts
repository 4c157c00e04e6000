/**
 * Deliberately broken backends: the suite must catch every one (properties/tests/mutants.test.ts),
 * and every property must catch at least one, so none of them is a property a broken kernel passes.
 * Each mutant is the float32-rounded reference with one realistic kernel bug (in one operation, or
 * in a forward and its backward alike), written as the loop a kernel author would write, with the bug in place.
 */
import * as ref from '../reference/index.ts';
import type { Backend } from '../kernels/backend.ts';
import { createReferenceBackend } from '../kernels/referenceBackend.ts';
import { checkConv2d } from '../reference/conv2d.ts';
import { checkMaxPool2d, checkMaxPool2dBackward } from '../reference/maxPool2d.ts';
import { checkSgd } from '../reference/sgd.ts';

/** Index bugs of the conv2d forward loop below. */
type ConvLoopBug =
  | 'none' | 'off-by-one-padding' | 'swapped-stride-axes' | 'flipped-kernel' | 'truncated-tap-loop' | 'conv-tile-edge'
  | 'conv-odd-tap-dropped' | 'conv-drops-last-input-channel' | 'conv1x1-channels-transposed' | 'conv-bias-of-channel-0';

/**
 * conv2d forward as a kernel would loop it, with `bug` in its index arithmetic; with `float32Order`
 * it sums in float32, forwards or backwards (as a reduction whose order varies between calls would).
 */
function loopConv2d(x: ref.Tensor, w: ref.Tensor, b: ref.Tensor | null, options: ref.Conv2dOptions, bug: ConvLoopBug, float32Order?: 'forward' | 'backward'): ref.Tensor {
  const g = checkConv2d('conv2d', x, w, b, options);
  const y = ref.zeros([g.batch, g.outChannels, g.outH, g.outW]);
  const strideRows = bug === 'swapped-stride-axes' ? g.strideW : g.strideH;
  const strideCols = bug === 'swapped-stride-axes' ? g.strideH : g.strideW;
  const padTop = bug === 'off-by-one-padding' ? g.padTop - 1 : g.padTop;
  const channels = bug === 'conv-drops-last-input-channel' && g.inChannelsPerGroup > 1 ? g.inChannelsPerGroup - 1 : g.inChannelsPerGroup;
  // A 1x1 "fast path" that reads each image as [H*W, Cin] instead of [Cin, H*W].
  const channelsLast = bug === 'conv1x1-channels-transposed' && g.kernelH === 1 && g.kernelW === 1 && g.groups === 1;
  let i = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let o = 0; o < g.outChannels; o++) {
      const group = Math.floor(o / g.outChannelsPerGroup);
      for (let oh = 0; oh < g.outH; oh++) {
        for (let ow = 0; ow < g.outW; ow++) {
          const terms: number[] = [];
          for (let c = 0; c < channels; c++) {
            for (let a = 0; a < g.kernelH; a++) {
              for (let k = 0; k < g.kernelW; k++) {
                if (bug === 'truncated-tap-loop' && terms.length >= 1000) continue; // gpu.js's default loopMaxIterations
                if (bug === 'conv-odd-tap-dropped' && g.kernelW % 2 === 1 && g.kernelW > 1 && k === g.kernelW - 1) continue; // unrolled by 2, remainder lost
                const row = oh * strideRows - padTop + a * g.dilationH;
                const col = ow * strideCols - g.padLeft + k * g.dilationW - (bug === 'conv-tile-edge' && ow >= 4 ? 1 : 0); // second 4-wide tile off by one
                if (row < 0 || row >= g.inH || col < 0 || col >= g.inW) continue;
                const [ka, kb] = bug === 'flipped-kernel' ? [g.kernelH - 1 - a, g.kernelW - 1 - k] : [a, k];
                const xc = group * g.inChannelsPerGroup + c;
                const xi = channelsLast ? n * g.inChannels * g.inH * g.inW + (row * g.inW + col) * g.inChannels + xc : ((n * g.inChannels + xc) * g.inH + row) * g.inW + col;
                terms.push(x.data[xi] * w.data[((o * g.inChannelsPerGroup + c) * g.kernelH + ka) * g.kernelW + kb]);
              }
            }
          }
          if (float32Order === 'backward') terms.reverse();
          let sum = b ? b.data[bug === 'conv-bias-of-channel-0' ? 0 : o] : 0;
          for (const t of terms) sum = float32Order ? Math.fround(sum + Math.fround(t)) : sum + t;
          y.data[i++] = sum;
        }
      }
    }
  }
  return y;
}

/** A pool's planes read in the wrong order: plane (n, c) from flat index c*N + n instead of n*C + c. */
function mixPlanes(y: ref.Tensor): ref.Tensor {
  const [N, C, H, W] = y.shape;
  const out = new Float64Array(y.data.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) out.set(y.data.subarray((c * N + n) * H * W, (c * N + n + 1) * H * W), (n * C + c) * H * W);
  }
  return ref.fromFlat(y.shape, out);
}

/** Max pooling's winners with a different selection rule (`replaces(value, best)` for a later cell), forward and backward. */
function maxPoolWith(x: ref.Tensor, g: ref.Pool2dGeometry, replaces: (value: number, best: number) => boolean): Int32Array {
  const winners = new Int32Array(g.batch * g.channels * g.outH * g.outW).fill(-1);
  let out = 0;
  for (let plane = 0; plane < g.batch * g.channels; plane++) {
    for (let i = 0; i < g.outH; i++) {
      for (let j = 0; j < g.outW; j++, out++) {
        for (let a = 0; a < g.kernelH; a++) {
          const row = i * g.strideH - g.padTop + a * g.dilationH;
          for (let b = 0; b < g.kernelW; b++) {
            const col = j * g.strideW - g.padLeft + b * g.dilationW;
            if (row < 0 || row >= g.inH || col < 0 || col >= g.inW) continue;
            const index = (plane * g.inH + row) * g.inW + col;
            if (winners[out] === -1 || replaces(x.data[index], x.data[winners[out]])) winners[out] = index;
          }
        }
      }
    }
  }
  return winners;
}

function maxPoolForward(x: ref.Tensor, o: ref.MaxPool2dOptions, replaces: (v: number, best: number) => boolean): ref.Tensor {
  const g = checkMaxPool2d('maxPool2d', x, o);
  const winners = maxPoolWith(x, g, replaces);
  return ref.fromFlat([g.batch, g.channels, g.outH, g.outW], Array.from(winners, (k) => (k === -1 ? -Infinity : x.data[k])));
}

function maxPoolBackward(dy: ref.Tensor, x: ref.Tensor, o: ref.MaxPool2dOptions, replaces: (v: number, best: number) => boolean): { dx: ref.Tensor } {
  const g = checkMaxPool2dBackward(dy, x, o);
  const dx = ref.zeros(x.shape);
  maxPoolWith(x, g, replaces).forEach((k, i) => {
    if (k !== -1) dx.data[k] += dy.data[i];
  });
  return { dx };
}

/** Row-wise [N, C] helper: calls `row(values, offset)` for each row. */
function rowsOf(x: ref.Tensor, row: (values: number[], offset: number) => void): void {
  const [N, C] = x.shape;
  for (let n = 0; n < N; n++) row(Array.from(x.data.subarray(n * C, (n + 1) * C)), n * C);
}

const f32 = (t: ref.Tensor): ref.Tensor => ({ shape: t.shape, data: Float32Array.from(t.data) });
const grads = <T extends object>(g: T): T => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, f32(v as ref.Tensor)])) as T;
const fr = Math.fround;

/** The reference behind the backend interface with float32 results: the control, which must pass everything. */
export function createFloat32Reference(name = 'reference-float32'): Backend {
  const r = createReferenceBackend();
  return {
    ...r,
    name,
    oracle: false, // float32 results: a backend to judge, not the reference
    conv2d: async (x, w, b, o = {}) => f32(ref.conv2d(x, w, b, o)),
    conv2dBackward: async (dy, x, w, o) => grads(ref.conv2dBackward(dy, x, w, o)),
    maxPool2d: async (x, o) => f32(ref.maxPool2d(x, o)),
    maxPool2dBackward: async (dy, x, o) => grads(ref.maxPool2dBackward(dy, x, o)),
    avgPool2d: async (x, o) => f32(ref.avgPool2d(x, o)),
    avgPool2dBackward: async (dy, x, o) => grads(ref.avgPool2dBackward(dy, x, o)),
    matmul: async (A, B) => f32(ref.matmul(A, B)),
    linear: async (x, w, b) => f32(ref.linear(x, w, b)),
    linearBackward: async (dy, x, w) => grads(ref.linearBackward(dy, x, w)),
    flatten: async (x) => f32(ref.flatten(x)),
    flattenBackward: async (dy, s) => grads(ref.flattenBackward(dy, s)),
    sigmoid: async (x) => f32(ref.sigmoid(x)),
    sigmoidBackward: async (dy, y) => grads(ref.sigmoidBackward(dy, y)),
    relu: async (x) => f32(ref.relu(x)),
    reluBackward: async (dy, x) => grads(ref.reluBackward(dy, x)),
    softmax: async (x) => f32(ref.softmax(x)),
    softmaxBackward: async (dy, y) => grads(ref.softmaxBackward(dy, y)),
    logSoftmax: async (x) => f32(ref.logSoftmax(x)),
    logSoftmaxBackward: async (dy, y) => grads(ref.logSoftmaxBackward(dy, y)),
    crossEntropyBackward: async (l, y) => grads(ref.crossEntropyBackward(l, y)),
    sgd: async (p, g, lr) => {
      ref.sgd(p, g, lr);
    },
  };
}

/** A broken backend: its bug in words, and the properties that must catch it at the CI seed. */
export interface Mutant {
  readonly name: string;
  /** The bug, as a kernel author would make it. */
  readonly bug: string;
  /** Properties each of which must fail on this mutant (the test asserts each one). */
  readonly caughtBy: readonly string[];
  /** The operations that differ from the float32 reference. */
  readonly overrides: () => Partial<Backend>;
}

const convLoop = (bug: ConvLoopBug): (() => Partial<Backend>) => () => ({ conv2d: async (x, w, b, o = {}) => f32(loopConv2d(x, w, b, o, bug)) });
const avgWith = (change: (o: ref.AvgPool2dOptions) => ref.AvgPool2dOptions): Partial<Backend> => ({
  avgPool2d: async (x, o) => f32(ref.avgPool2d(x, change(o))),
  avgPool2dBackward: async (dy, x, o) => grads(ref.avgPool2dBackward(dy, x, change(o))),
});

export const MUTANTS: readonly Mutant[] = [
  // conv2d forward
  { name: 'off-by-one-padding', bug: 'conv2d reads the input one row too low (padTop - 1)', caughtBy: ['conv2d-forward-equals-reference', 'law-transpose-commutes', 'law-im2col-matmul-equals-direct'], overrides: convLoop('off-by-one-padding') },
  { name: 'swapped-stride-axes', bug: 'conv2d steps rows by the column stride and columns by the row stride', caughtBy: ['conv2d-forward-equals-reference'], overrides: convLoop('swapped-stride-axes') },
  { name: 'flipped-kernel', bug: 'conv2d convolves (kernel flipped) instead of cross-correlating', caughtBy: ['conv2d-forward-equals-reference', 'law-convolution-is-flipped-cross-correlation', 'law-impulse-reproduces-flipped-kernel'], overrides: convLoop('flipped-kernel') },
  { name: 'truncated-tap-loop', bug: 'conv2d\'s tap loop stops at 1000 iterations (gpu.js\'s loopMaxIterations)', caughtBy: ['conv2d-forward-equals-reference'], overrides: convLoop('truncated-tap-loop') },
  { name: 'conv-tile-edge', bug: 'conv2d outputs in the second 4-wide tile read the input one column to the left', caughtBy: ['conv2d-forward-equals-reference', 'law-translation-equivariance'], overrides: convLoop('conv-tile-edge') },
  { name: 'conv-odd-tap-dropped', bug: 'conv2d\'s tap loop, unrolled by 2, drops the last column of an odd-width kernel', caughtBy: ['conv2d-forward-equals-reference', 'law-finite-differences-annihilate-polynomials'], overrides: convLoop('conv-odd-tap-dropped') },
  { name: 'conv-drops-last-input-channel', bug: 'conv2d sums over all input channels but the last', caughtBy: ['conv2d-forward-equals-reference', 'law-multi-input-is-sum-over-channels'], overrides: convLoop('conv-drops-last-input-channel') },
  { name: 'conv1x1-channels-transposed', bug: 'a 1x1 fast path reads each image as [H*W, Cin] instead of [Cin, H*W]', caughtBy: ['conv2d-forward-equals-reference', 'law-conv1x1-equals-matmul'], overrides: convLoop('conv1x1-channels-transposed') },
  { name: 'conv-bias-of-channel-0', bug: 'conv2d adds the bias of output channel 0 to every channel', caughtBy: ['conv2d-forward-equals-reference', 'law-multi-output-is-stack'], overrides: convLoop('conv-bias-of-channel-0') },
  {
    name: 'conv-fused-relu', bug: 'conv2d leaves a fused relu on (negative outputs become 0)', caughtBy: ['conv2d-forward-equals-reference', 'law-linear-in-input-and-kernel'],
    overrides: () => ({ conv2d: async (x, w, b, o = {}) => f32(ref.relu(ref.conv2d(x, w, b, o))) }),
  },
  {
    name: 'conv-nondeterministic-order', bug: 'conv2d sums its taps in float32 in an order that changes from call to call (a racing reduction)', caughtBy: ['contract-deterministic'],
    overrides: () => {
      let calls = 0;
      return { conv2d: async (x, w, b, o = {}) => f32(loopConv2d(x, w, b, o, 'none', calls++ % 3 === 0 ? 'forward' : 'backward')) };
    },
  },
  {
    name: 'results-in-shared-arena', bug: 'every conv2d result is a view of one arena that the next call overwrites', caughtBy: ['contract-deterministic'],
    overrides: () => {
      const arena = new Float32Array(1 << 22);
      return {
        conv2d: async (x, w, b, o = {}) => {
          const y = ref.conv2d(x, w, b, o);
          const view = arena.subarray(0, y.data.length);
          view.set(y.data);
          return { shape: y.shape, data: view };
        },
      };
    },
  },
  // conv2d backward
  {
    name: 'dw-first-image-only', bug: 'conv2dBackward sums the weight gradient over the first image of the batch only', caughtBy: ['conv2d-backward-equals-reference'],
    overrides: () => ({
      conv2dBackward: async (dy, x, w, o) => {
        const g = ref.conv2dBackward(dy, x, w, o);
        if (x.shape[0] === 1) return grads(g);
        const first = (t: ref.Tensor) => ref.fromFlat([1, ...t.shape.slice(1)], t.data.subarray(0, t.data.length / t.shape[0]));
        return grads({ ...g, dw: ref.conv2dBackward(first(dy), first(x), w, o).dw });
      },
    }),
  },
  {
    name: 'conv-backward-skips-dy-check', bug: 'conv2dBackward never checks dy\'s shape and returns zeros for a wrong one', caughtBy: ['contract-rejects-bad-input-like-reference'],
    overrides: () => ({
      conv2dBackward: async (dy, x, w, o) => {
        try {
          return grads(ref.conv2dBackward(dy, x, w, o));
        } catch (error) {
          if (!(error instanceof ref.OperatorInputError) || !/dy/.test(error.message)) throw error;
          return { dx: f32(ref.zeros(x.shape)), dw: f32(ref.zeros(w.shape)), db: f32(ref.zeros([w.shape[0]])) };
        }
      },
    }),
  },
  // pooling
  {
    name: 'pooling-mixes-channels', bug: 'max and average pooling read plane (n, c) from flat index c*N + n', caughtBy: ['maxpool2d-equals-reference', 'avgpool2d-equals-reference', 'law-pooling-acts-per-channel'],
    overrides: () => ({
      maxPool2d: async (x, o) => f32(mixPlanes(ref.maxPool2d(x, o))),
      avgPool2d: async (x, o) => f32(mixPlanes(ref.avgPool2d(x, o))),
    }),
  },
  { name: 'wrong-avg-divisor', bug: 'average pooling always divides by the whole window, padding included', caughtBy: ['avgpool2d-equals-reference'], overrides: () => avgWith((o) => ({ ...o, countIncludePad: true })) },
  { name: 'avg-pool-default-excludes-padding', bug: 'average pooling defaults countIncludePad to false (PyTorch: true)', caughtBy: ['avgpool2d-equals-reference'], overrides: () => avgWith((o) => ({ ...o, countIncludePad: o.countIncludePad ?? false })) },
  {
    name: 'avg-pool-writes-default-into-options', bug: 'average pooling fills in a missing countIncludePad in the caller\'s options object, and with false', caughtBy: ['avgpool2d-equals-reference', 'contract-inputs-unchanged'],
    overrides: () => ({
      avgPool2d: async (x, o) => {
        (o as { countIncludePad?: boolean }).countIncludePad ??= false;
        return f32(ref.avgPool2d(x, o));
      },
    }),
  },
  {
    name: 'avg-pool-backward-ignores-count-include-pad', bug: 'average pooling\'s backward divides by the whole window even when padding is not counted', caughtBy: ['avgpool2d-equals-reference'],
    overrides: () => ({ avgPool2dBackward: async (dy, x, o) => grads(ref.avgPool2dBackward(dy, x, { ...o, countIncludePad: true })) }),
  },
  {
    name: 'avg-pool-sums', bug: 'average pooling forgets to divide (a sum pool)', caughtBy: ['avgpool2d-equals-reference', 'law-max-pool-dominates-avg-pool'],
    overrides: () => ({
      avgPool2d: async (x, o) => {
        const g = ref.resolvePool2d('avgPool2d', x.shape, o, ref.AVG_POOL2D_OPTIONS);
        const y = ref.avgPool2d(x, { ...o, countIncludePad: true });
        return { shape: y.shape, data: Float32Array.from(y.data, (v) => v * g.kernelH * g.kernelW) };
      },
    }),
  },
  {
    name: 'pool-default-stride-1', bug: 'pooling defaults the stride to 1 (PyTorch: the window)', caughtBy: ['maxpool2d-equals-reference', 'avgpool2d-equals-reference', 'law-output-shape-formula'],
    overrides: () => {
      const s = <T extends { stride?: ref.IntPair }>(o: T): T => ({ ...o, stride: o.stride ?? 1 });
      return {
        maxPool2d: async (x, o) => f32(ref.maxPool2d(x, s(o))),
        maxPool2dBackward: async (dy, x, o) => grads(ref.maxPool2dBackward(dy, x, s(o))),
        ...avgWith(s),
      };
    },
  },
  {
    name: 'pool-padding-rows-for-columns', bug: 'pooling pads the columns with the rows\' padding', caughtBy: ['law-pool-transpose-commutes'],
    overrides: () => {
      const p = <T extends { padding?: ref.Padding2d }>(o: T): T => {
        const r = ref.resolvePadding('mutant', o.padding ?? 0);
        return { ...o, padding: { top: r.top, bottom: r.bottom, left: r.top, right: r.bottom } };
      };
      return { maxPool2d: async (x, o) => f32(ref.maxPool2d(x, p(o))), ...avgWith(p) };
    },
  },
  {
    name: 'max-pool-gradient-to-last-maximum', bug: 'max pooling\'s backward sends a tied window\'s gradient to its last maximum (PyTorch: the first)', caughtBy: ['maxpool2d-equals-reference'],
    overrides: () => ({ maxPool2dBackward: async (dy, x, o) => grads(maxPoolBackward(dy, x, o, (v, best) => v >= best || Number.isNaN(v))) }),
  },
  {
    name: 'max-pool-ignores-nan', bug: 'max pooling compares with > only, so NaN never wins (PyTorch propagates it)', caughtBy: ['nan-propagates-like-reference'],
    overrides: () => ({
      maxPool2d: async (x, o) => f32(maxPoolForward(x, o, (v, best) => v > best || Number.isNaN(best))),
      maxPool2dBackward: async (dy, x, o) => grads(maxPoolBackward(dy, x, o, (v, best) => v > best || Number.isNaN(best))),
    }),
  },
  // dense
  {
    name: 'matmul-skips-last-inner', bug: 'matmul\'s inner loop stops one term early', caughtBy: ['linear-equals-reference', 'law-conv1x1-equals-matmul', 'law-im2col-matmul-equals-direct'],
    overrides: () => ({
      matmul: async (A, B) => {
        const [M, K] = A.shape;
        const N = B.shape[1];
        const y = ref.matmul(A, B);
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) if (K > 1) y.data[i * N + j] -= A.data[i * K + K - 1] * B.data[(K - 1) * N + j];
        return f32(y);
      },
    }),
  },
  {
    name: 'linear-db-first-row-only', bug: 'linearBackward\'s bias gradient is the first row of dy, not the sum over the batch', caughtBy: ['linear-equals-reference'],
    overrides: () => ({
      linearBackward: async (dy, x, w) => {
        const g = ref.linearBackward(dy, x, w);
        return grads({ ...g, db: ref.fromFlat([dy.shape[1]], dy.data.subarray(0, dy.shape[1])) });
      },
    }),
  },
  {
    name: 'flatten-channels-last', bug: 'flatten orders each image channels-last (NHWC), as a port from TensorFlow would', caughtBy: ['flatten-equals-reference'],
    overrides: () => ({
      flatten: async (x) => {
        ref.flatten(x); // the reference's validation
        if (x.shape.length !== 4) return f32(ref.flatten(x));
        const [N, C, H, W] = x.shape;
        const out = new Float32Array(x.data.length);
        for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[(n * H * W + p) * C + c] = x.data[(n * C + c) * H * W + p];
        return { shape: [N, C * H * W], data: out };
      },
    }),
  },
  {
    name: 'sgd-not-in-place', bug: 'sgd computes the new parameters into fresh arrays and drops them', caughtBy: ['sgd-equals-reference'],
    overrides: () => ({
      sgd: async (params, gradients, lr) => {
        checkSgd(params, gradients, lr);
        params.map((p, i) => Float32Array.from(p.data, (v, k) => v - lr * gradients[i].data[k]));
      },
    }),
  },
  // activations, softmax, loss
  {
    name: 'sigmoid-naive-exp', bug: 'sigmoid as exp(x) / (1 + exp(x)) in float32: NaN once exp(x) overflows', caughtBy: ['sigmoid-equals-reference'],
    overrides: () => ({
      sigmoid: async (x) => {
        ref.sigmoid(x); // the reference's validation
        return { shape: x.shape, data: Float32Array.from(x.data, (v) => fr(fr(Math.exp(v)) / fr(1 + fr(Math.exp(v))))) };
      },
    }),
  },
  {
    name: 'relu-nan-to-zero', bug: 'relu as x > 0 ? x : 0, which turns NaN into 0', caughtBy: ['relu-equals-reference'],
    overrides: () => ({
      relu: async (x) => {
        ref.relu(x); // the reference's validation
        return { shape: x.shape, data: Float32Array.from(x.data, (v) => (v > 0 ? v : 0)) };
      },
    }),
  },
  {
    name: 'relu-backward-nan-blocks-gradient', bug: 'relu\'s backward as x > 0 ? dy : 0, which drops the gradient at NaN (PyTorch passes it)', caughtBy: ['relu-equals-reference'],
    overrides: () => ({
      reluBackward: async (dy, x) => {
        ref.reluBackward(dy, x); // the reference's validation
        return { dx: { shape: x.shape, data: Float32Array.from(x.data, (v, i) => (v > 0 ? dy.data[i] : 0)) } };
      },
    }),
  },
  {
    name: 'relu-in-place', bug: 'relu overwrites its input and returns it', caughtBy: ['contract-inputs-unchanged'],
    overrides: () => ({
      relu: async (x) => {
        const y = ref.relu(x);
        if (x.data instanceof Float32Array) {
          x.data.set(y.data);
          return x;
        }
        return f32(y);
      },
    }),
  },
  {
    name: 'softmax-without-max-shift', bug: 'softmax as exp(x) / Σ exp(x) in float32, without subtracting the row maximum', caughtBy: ['softmax-equals-reference'],
    overrides: () => ({
      softmax: async (x) => {
        ref.softmax(x); // the reference's validation
        const y = new Float32Array(x.data.length);
        rowsOf(x, (row, offset) => {
          const e = row.map((v) => fr(Math.exp(v)));
          const sum = e.reduce((s, v) => fr(s + v), 0);
          e.forEach((v, c) => (y[offset + c] = fr(v / sum)));
        });
        return { shape: x.shape, data: y };
      },
    }),
  },
  {
    name: 'log-softmax-unshifted-subtraction', bug: 'logSoftmax as x - (max + log Σ) in float32: max + log Σ rounds at the scale of the maximum', caughtBy: ['log-softmax-equals-reference'],
    overrides: () => ({
      logSoftmax: async (x) => {
        ref.logSoftmax(x); // the reference's validation
        const y = new Float32Array(x.data.length);
        rowsOf(x, (row, offset) => {
          const m = Math.max(...row);
          const logSum = fr(m + fr(Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0))));
          row.forEach((v, c) => (y[offset + c] = fr(v - logSum)));
        });
        return { shape: x.shape, data: y };
      },
    }),
  },
  {
    name: 'cross-entropy-unshifted', bug: 'crossEntropy\'s row loss as (max + log Σ) - x[label] in float32', caughtBy: ['cross-entropy-equals-reference'],
    overrides: () => ({
      crossEntropy: async (logits, labels) => {
        ref.crossEntropy(logits, labels); // the same validation
        let total = 0;
        rowsOf(logits, (row, offset) => {
          const m = Math.max(...row);
          total += fr(fr(m + fr(Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)))) - row[labels[offset / row.length]]);
        });
        return total / logits.shape[0];
      },
    }),
  },
  {
    name: 'cross-entropy-gradient-not-averaged', bug: 'crossEntropyBackward forgets to divide by the batch size', caughtBy: ['cross-entropy-equals-reference'],
    overrides: () => ({
      crossEntropyBackward: async (logits, labels) => {
        const g = ref.crossEntropyBackward(logits, labels).dlogits;
        return { dlogits: { shape: g.shape, data: Float32Array.from(g.data, (v) => v * logits.shape[0]) } };
      },
    }),
  },
  {
    name: 'accuracy-last-maximum', bug: 'accuracy takes a row\'s last maximum as its prediction (PyTorch\'s argmax: the first)', caughtBy: ['cross-entropy-equals-reference'],
    overrides: () => ({
      accuracy: async (logits, labels) => {
        ref.accuracy(logits, labels);
        let correct = 0;
        rowsOf(logits, (row, offset) => {
          let best = 0;
          row.forEach((v, c) => (best = v >= row[best] ? c : best));
          if (best === labels[offset / row.length]) correct++;
        });
        return correct / logits.shape[0];
      },
    }),
  },
];

export const MUTANT_NAMES: readonly string[] = MUTANTS.map((m) => m.name);

/** The float32 reference with the named mutant's bug in place ('none': the control). */
export function createMutantBackend(name: string): Backend {
  if (name === 'none') return createFloat32Reference();
  const mutant = MUTANTS.find((m) => m.name === name);
  if (!mutant) throw new Error(`unknown mutant '${name}'. Known: ${MUTANT_NAMES.join(', ')}.`);
  return { ...createFloat32Reference(`mutant-${name}`), ...mutant.overrides() };
}
