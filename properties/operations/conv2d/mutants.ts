/** Realistic bugs in conv2d forward and backward: each is the float32 reference with one bug in place, and lists the properties that must catch it. */
import * as ref from '../../../reference/index.ts';
import type { Backend } from '../../../kernels/backend.ts';
import type { Mutant } from '../family.ts';
import { f32, fr, grads, rowsOf } from '../mutantKit.ts';
import { checkConv2d } from '../../../reference/conv2d.ts';

/** Index bugs of the conv2d forward loop below. */
type ConvLoopBug =
  | 'none' | 'off-by-one-padding' | 'swapped-stride-axes' | 'flipped-kernel' | 'truncated-tap-loop' | 'conv-tile-edge'
  | 'conv-odd-tap-dropped' | 'conv-drops-last-input-channel' | 'conv1x1-channels-transposed' | 'conv-bias-of-channel-0'
  | 'conv-dilation-rows-for-columns' | 'conv-groups-read-group-0' | 'conv-nan-to-zero' | 'conv-skips-zero-weights' | 'conv-skips-zero-inputs';

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
                const dilationCols = bug === 'conv-dilation-rows-for-columns' ? g.dilationH : g.dilationW;
                const col = ow * strideCols - g.padLeft + k * dilationCols - (bug === 'conv-tile-edge' && ow >= 4 ? 1 : 0); // second 4-wide tile off by one
                if (row < 0 || row >= g.inH || col < 0 || col >= g.inW) continue;
                const [ka, kb] = bug === 'flipped-kernel' ? [g.kernelH - 1 - a, g.kernelW - 1 - k] : [a, k];
                const xc = (bug === 'conv-groups-read-group-0' ? 0 : group) * g.inChannelsPerGroup + c;
                const xi = channelsLast ? n * g.inChannels * g.inH * g.inW + (row * g.inW + col) * g.inChannels + xc : ((n * g.inChannels + xc) * g.inH + row) * g.inW + col;
                const xv = bug === 'conv-nan-to-zero' ? x.data[xi] || 0 : x.data[xi]; // JavaScript's `v || 0` idiom turns NaN into 0
                const wv = w.data[((o * g.inChannelsPerGroup + c) * g.kernelH + ka) * g.kernelW + kb];
                // A sparsity shortcut: a zero factor's product is taken as zero (it is NaN when the other is not finite).
                if ((bug === 'conv-skips-zero-weights' && wv === 0) || (bug === 'conv-skips-zero-inputs' && xv === 0)) continue;
                terms.push(xv * wv);
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

/** conv2dBackward as the reference loops it, but leaving out every output whose dy is exactly 0. */
function skipZeroDyBackward(dy: ref.Tensor, x: ref.Tensor, w: ref.Tensor, options: ref.Conv2dBackwardOptions): ref.Conv2dGradients {
  const g = checkConv2d('conv2dBackward', x, w, null, options);
  const dx = options.inputGradient === false ? null : ref.zeros(x.shape);
  const dw = ref.zeros(w.shape);
  const db = ref.zeros([g.outChannels]);
  for (let n = 0; n < g.batch; n++) {
    for (let o = 0; o < g.outChannels; o++) {
      const first = Math.floor(o / g.outChannelsPerGroup) * g.inChannelsPerGroup;
      for (let i = 0; i < g.outH; i++) {
        for (let j = 0; j < g.outW; j++) {
          const grad = dy.data[((n * g.outChannels + o) * g.outH + i) * g.outW + j];
          if (grad === 0) continue; // the shortcut
          db.data[o] += grad;
          for (let c = 0; c < g.inChannelsPerGroup; c++) {
            for (let a = 0; a < g.kernelH; a++) {
              for (let b = 0; b < g.kernelW; b++) {
                const row = i * g.strideH - g.padTop + a * g.dilationH;
                const col = j * g.strideW - g.padLeft + b * g.dilationW;
                if (row < 0 || row >= g.inH || col < 0 || col >= g.inW) continue;
                const xi = ((n * g.inChannels + first + c) * g.inH + row) * g.inW + col;
                const wi = ((o * g.inChannelsPerGroup + c) * g.kernelH + a) * g.kernelW + b;
                if (dx) dx.data[xi] += grad * w.data[wi];
                dw.data[wi] += grad * x.data[xi];
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw, db };
}

const convLoop = (bug: ConvLoopBug): (() => Partial<Backend>) => () => ({ conv2d: async (x, w, b, o = {}) => f32(loopConv2d(x, w, b, o, bug)) });

export const MUTANTS: readonly Mutant[] = [
  { name: 'off-by-one-padding', bug: 'conv2d reads the input one row too low (padTop - 1)', caughtBy: ['conv2d-forward-equals-reference', 'law-transpose-commutes', 'law-im2col-matmul-equals-direct'], overrides: convLoop('off-by-one-padding') },
  { name: 'swapped-stride-axes', bug: 'conv2d steps rows by the column stride and columns by the row stride', caughtBy: ['conv2d-forward-equals-reference'], overrides: convLoop('swapped-stride-axes') },
  { name: 'flipped-kernel', bug: 'conv2d convolves (kernel flipped) instead of cross-correlating', caughtBy: ['conv2d-forward-equals-reference', 'law-convolution-is-flipped-cross-correlation', 'law-impulse-reproduces-flipped-kernel'], overrides: convLoop('flipped-kernel') },
  { name: 'truncated-tap-loop', bug: 'conv2d\'s tap loop stops at 1000 iterations (gpu.js\'s loopMaxIterations)', caughtBy: ['conv2d-forward-equals-reference'], overrides: convLoop('truncated-tap-loop') },
  { name: 'conv-tile-edge', bug: 'conv2d outputs in the second 4-wide tile read the input one column to the left', caughtBy: ['conv2d-forward-equals-reference', 'law-translation-equivariance'], overrides: convLoop('conv-tile-edge') },
  { name: 'conv-odd-tap-dropped', bug: 'conv2d\'s tap loop, unrolled by 2, drops the last column of an odd-width kernel', caughtBy: ['conv2d-forward-equals-reference', 'law-finite-differences-annihilate-polynomials'], overrides: convLoop('conv-odd-tap-dropped') },
  { name: 'conv-drops-last-input-channel', bug: 'conv2d sums over all input channels but the last', caughtBy: ['conv2d-forward-equals-reference', 'law-multi-input-is-sum-over-channels'], overrides: convLoop('conv-drops-last-input-channel') },
  { name: 'conv1x1-channels-transposed', bug: 'a 1x1 fast path reads each image as [H*W, Cin] instead of [Cin, H*W]', caughtBy: ['conv2d-forward-equals-reference', 'law-conv1x1-equals-matmul'], overrides: convLoop('conv1x1-channels-transposed') },
  { name: 'conv-dilation-rows-for-columns', bug: 'conv2d dilates the kernel\'s columns by the row dilation', caughtBy: ['conv2d-forward-equals-reference'], overrides: convLoop('conv-dilation-rows-for-columns') },
  { name: 'conv-groups-read-group-0', bug: 'grouped conv2d reads every group\'s input channels from the first group', caughtBy: ['conv2d-forward-equals-reference'], overrides: convLoop('conv-groups-read-group-0') },
  { name: 'conv-nan-to-zero', bug: 'conv2d reads its input as `x[i] || 0`, which turns NaN into 0 (PyTorch propagates NaN)', caughtBy: ['nan-propagates-like-reference'], overrides: convLoop('conv-nan-to-zero') },
  { name: 'conv-skips-zero-weights', bug: 'conv2d skips the taps whose weight is 0 (a sparsity shortcut): NaN·0 becomes 0', caughtBy: ['nan-times-zero-is-nan'], overrides: convLoop('conv-skips-zero-weights') },
  { name: 'conv-skips-zero-inputs', bug: 'conv2d skips the inputs that are 0 (post-ReLU sparsity): 0·Infinity becomes 0', caughtBy: ['nan-times-zero-is-nan'], overrides: convLoop('conv-skips-zero-inputs') },
  {
    name: 'conv-backward-skips-zero-dy', bug: 'conv2dBackward skips the outputs whose gradient is 0 (a sparse upstream gradient): their NaN·0 terms in dx and dw are lost', caughtBy: ['nan-times-zero-is-nan'],
    overrides: () => ({ conv2dBackward: async (dy, x, w, o = {}) => grads(skipZeroDyBackward(dy, x, w, o)) }),
  },
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
    name: 'conv-skipped-dx-returned-unwritten', bug: 'conv2dBackward asked for no dx still returns one, its buffer never written (here: the previous call\'s dx)', caughtBy: ['conv2d-backward-equals-reference'],
    overrides: () => {
      let previous: ref.Tensor | null = null;
      return {
        conv2dBackward: async (dy, x, w, o = {}) => {
          const g = grads(ref.conv2dBackward(dy, x, w, { ...o, inputGradient: true }));
          const stale = previous && previous.data.length === g.dx!.data.length ? ref.fromFlat(x.shape, previous.data) : f32(ref.zeros(x.shape));
          previous = g.dx;
          return o.inputGradient === false ? { ...g, dx: stale } : g;
        },
      };
    },
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
];
