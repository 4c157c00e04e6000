/** Realistic bugs in max and average pooling: each is the float32 reference with one bug in place, and lists the properties that must catch it. */
import * as ref from '../../../reference/index.ts';
import type { Backend } from '../../../kernels/backend.ts';
import type { Mutant } from '../family.ts';
import { f32, fr, grads, rowsOf } from '../mutantKit.ts';
import { checkMaxPool2d, checkMaxPool2dBackward } from '../../../reference/maxPool2d.ts';

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

const avgWith = (change: (o: ref.AvgPool2dOptions) => ref.AvgPool2dOptions): Partial<Backend> => ({
  avgPool2d: async (x, o) => f32(ref.avgPool2d(x, change(o))),
  avgPool2dBackward: async (dy, x, o) => grads(ref.avgPool2dBackward(dy, x, change(o))),
});

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'pooling-mixes-channels', bug: 'max and average pooling, forward and backward, read plane (n, c) from flat index c*N + n', caughtBy: ['maxpool2d-equals-reference', 'avgpool2d-equals-reference', 'law-pooling-acts-per-channel'],
    overrides: () => ({
      maxPool2d: async (x, o) => f32(mixPlanes(ref.maxPool2d(x, o))),
      avgPool2d: async (x, o) => f32(mixPlanes(ref.avgPool2d(x, o))),
      maxPool2dBackward: async (dy, x, o) => ({ dx: f32(mixPlanes(ref.maxPool2dBackward(dy, x, o).dx)) }),
      avgPool2dBackward: async (dy, x, o) => ({ dx: f32(mixPlanes(ref.avgPool2dBackward(dy, x, o).dx)) }),
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
  {
    name: 'max-pool-sentinel', bug: 'max pooling starts each window\'s maximum at -1000 instead of -Infinity (a sentinel chosen for activations)', caughtBy: ['maxpool2d-equals-reference'],
    overrides: () => ({ maxPool2d: async (x, o) => { const y = ref.maxPool2d(x, o); return f32({ shape: y.shape, data: y.data.map((v) => (v < -1000 ? -1000 : v)) }); } }),
  },
  {
    name: 'pool-ceil-mode-last-window-unwritten', bug: 'ceil-mode pooling allocates the ceil-mode output but computes only the floor-mode windows, leaving the last row and column 0',
    caughtBy: ['maxpool2d-equals-reference', 'avgpool2d-equals-reference'],
    overrides: () => {
      const floorOnly = (y: ref.Tensor, x: ref.Tensor, o: ref.MaxPool2dOptions & ref.AvgPool2dOptions, op: string): ref.Tensor => {
        const floor = ref.resolvePool2d(op, x.shape, { ...o, ceilMode: false }, Object.keys({ ...o, ceilMode: false }));
        const [N, C, H, W] = y.shape;
        const data = Float32Array.from(y.data);
        for (let p = 0; p < N * C; p++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) if (i >= floor.outH || j >= floor.outW) data[(p * H + i) * W + j] = 0;
        return { shape: y.shape, data };
      };
      return {
        maxPool2d: async (x, o) => floorOnly(ref.maxPool2d(x, o), x, o, 'maxPool2d'),
        avgPool2d: async (x, o) => floorOnly(ref.avgPool2d(x, o), x, o, 'avgPool2d'),
      };
    },
  },
];
