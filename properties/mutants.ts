/**
 * Deliberately broken backends: the suite must catch every one (properties/tests/mutants.test.ts).
 * Each is the float32-rounded reference with one realistic kernel bug in one operation, written as
 * the naive loop a kernel author would write, with the bug in place.
 */
import * as ref from '../reference/index';
import type { Backend } from '../kernels/backend';
import { createReferenceBackend } from '../kernels/referenceBackend';
import { checkConv2d } from '../reference/conv2d';

export type MutantName =
  | 'off-by-one-padding'
  | 'swapped-stride-axes'
  | 'flipped-kernel'
  | 'truncated-tap-loop'
  | 'dw-first-image-only'
  | 'pooling-mixes-channels'
  | 'wrong-avg-divisor';

export const MUTANT_NAMES: readonly MutantName[] = [
  'off-by-one-padding', 'swapped-stride-axes', 'flipped-kernel', 'truncated-tap-loop', 'dw-first-image-only',
  'pooling-mixes-channels', 'wrong-avg-divisor',
];

type Bug = MutantName | 'none';

/** conv2d forward as a kernel would loop it, with `bug` in its index arithmetic. */
function buggyConv2d(x: ref.Tensor, w: ref.Tensor, b: ref.Tensor | null, options: ref.Conv2dOptions, bug: Bug): ref.Tensor {
  const g = checkConv2d('conv2d', x, w, b, options);
  const y = ref.zeros([g.batch, g.outChannels, g.outH, g.outW]);
  const strideRows = bug === 'swapped-stride-axes' ? g.strideW : g.strideH;
  const strideCols = bug === 'swapped-stride-axes' ? g.strideH : g.strideW;
  const padTop = bug === 'off-by-one-padding' ? g.padTop - 1 : g.padTop;
  let i = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let o = 0; o < g.outChannels; o++) {
      const group = Math.floor(o / g.outChannelsPerGroup);
      for (let oh = 0; oh < g.outH; oh++) {
        for (let ow = 0; ow < g.outW; ow++) {
          let sum = b ? b.data[o] : 0;
          let taps = 0;
          for (let c = 0; c < g.inChannelsPerGroup; c++) {
            for (let a = 0; a < g.kernelH; a++) {
              for (let k = 0; k < g.kernelW; k++) {
                if (bug === 'truncated-tap-loop' && taps++ >= 1000) continue; // gpu.js's default loopMaxIterations
                const row = oh * strideRows - padTop + a * g.dilationH;
                const col = ow * strideCols - g.padLeft + k * g.dilationW;
                if (row < 0 || row >= g.inH || col < 0 || col >= g.inW) continue;
                const [ka, kb] = bug === 'flipped-kernel' ? [g.kernelH - 1 - a, g.kernelW - 1 - k] : [a, k];
                const xc = group * g.inChannelsPerGroup + c;
                sum += x.data[((n * g.inChannels + xc) * g.inH + row) * g.inW + col] * w.data[((o * g.inChannelsPerGroup + c) * g.kernelH + ka) * g.kernelW + kb];
              }
            }
          }
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

const f32 = (t: ref.Tensor): ref.Tensor => ({ shape: t.shape, data: Float32Array.from(t.data) });

/** The reference behind the backend interface with float32 results, optionally with one bug. */
export function createMutantBackend(bug: Bug): Backend {
  const r = createReferenceBackend();
  const grads = <T extends object>(g: T): T => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, f32(v as ref.Tensor)])) as T;
  return {
    ...r,
    name: bug === 'none' ? 'reference-float32' : `mutant-${bug}`,
    conv2d: async (x, w, b, o = {}) => f32(buggyConv2d(x, w, b, o, bug)),
    conv2dBackward: async (dy, x, w, o) => {
      const g = ref.conv2dBackward(dy, x, w, o);
      if (bug !== 'dw-first-image-only' || x.shape[0] === 1) return grads(g);
      const first = (t: ref.Tensor) => ref.fromFlat([1, ...t.shape.slice(1)], t.data.subarray(0, t.data.length / t.shape[0]));
      return grads({ ...g, dw: ref.conv2dBackward(first(dy), first(x), w, o).dw });
    },
    maxPool2d: async (x, o) => f32(bug === 'pooling-mixes-channels' ? mixPlanes(ref.maxPool2d(x, o)) : ref.maxPool2d(x, o)),
    maxPool2dBackward: async (dy, x, o) => grads(ref.maxPool2dBackward(dy, x, o)),
    avgPool2d: async (x, o) => {
      const y = ref.avgPool2d(x, bug === 'wrong-avg-divisor' ? { ...o, countIncludePad: true } : o);
      return f32(bug === 'pooling-mixes-channels' ? mixPlanes(y) : y);
    },
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
