/**
 * The wasm-simd backend: the reference's operations as hand-written WebAssembly SIMD kernels
 * (AssemblyScript, kernels/wasmSimd/assembly/, built by `npm run build`). Convolutions and linear
 * layers are im2col + f32x4 GEMMs (4x8 register blocks; dot-product blocks for A·Bᵀ); pools, activations, softmax cross-entropy and
 * SGD are loops in the same module. Validation is the reference's own (the same errors).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ref from '../../reference/index';
import { checkAvgPool2d, checkAvgPool2dBackward } from '../../reference/avgPool2d';
import { checkConv2d, checkConv2dBackward } from '../../reference/conv2d';
import { assertLabels } from '../../reference/crossEntropy';
import { checkLinear, checkLinearBackward } from '../../reference/linear';
import { checkMatmul } from '../../reference/matmul';
import { checkMaxPool2d, checkMaxPool2dBackward } from '../../reference/maxPool2d';
import { checkSgd } from '../../reference/sgd';
import { BackendUnavailableError, type Backend } from '../backend';
import { Arena } from './memory';

/** Where `npm run build` writes the module. */
export const WASM_SIMD_MODULE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.cache', 'wasm-simd', 'kernels.wasm');

type Fn = (...args: number[]) => number;
interface Kernels {
  memory: WebAssembly.Memory;
  sgemm: Fn; sgemmNT: Fn; transpose: Fn; im2col: Fn; col2im: Fn; addBias: Fn; sumBias: Fn;
  maxPoolForward: Fn; maxPoolBackward: Fn; avgPoolForward: Fn; avgPoolBackward: Fn;
  sigmoidForward: Fn; sigmoidBackward: Fn; reluForward: Fn; reluBackward: Fn; softmaxForward: Fn; softmaxBackward: Fn;
  crossEntropyForward: Fn; crossEntropyBackward: Fn; correctCount: Fn; sgdUpdate: Fn;
}

function instantiate(): Kernels {
  if (!existsSync(WASM_SIMD_MODULE)) {
    throw new BackendUnavailableError('wasm-simd', `${WASM_SIMD_MODULE} is missing. Fix: npm run build (compiles kernels/wasmSimd/assembly with AssemblyScript).`);
  }
  const bytes = readFileSync(WASM_SIMD_MODULE);
  if (!WebAssembly.validate(bytes)) {
    throw new BackendUnavailableError('wasm-simd', `this engine cannot compile ${WASM_SIMD_MODULE} (WebAssembly SIMD needs Node 16.4+ or a current browser).`);
  }
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { abort: () => { throw new Error('wasm-simd: a kernel aborted (an internal bug; please report the call).'); } },
  });
  return instance.exports as unknown as Kernels;
}

/** Runs `body` with a fresh arena and frees it afterwards, even when the body throws. */
function scoped<T>(arena: Arena, body: () => T): T {
  try {
    return body();
  } finally {
    arena.reset();
  }
}

export function createWasmSimdBackend(): Backend {
  const k = instantiate();
  const arena = new Arena(k.memory, 'wasm-simd');

  /** One image's forward convolution into y (per group: im2col, then W_g · cols). */
  function convForward(x: number, w: number, y: number, g: ref.Conv2dGeometry, cols: number): void {
    const P = g.outH * g.outW;
    const cg = g.inChannelsPerGroup;
    const og = g.outChannelsPerGroup;
    const taps = cg * g.kernelH * g.kernelW;
    for (let n = 0; n < g.batch; n++) {
      for (let grp = 0; grp < g.groups; grp++) {
        const xg = x + 4 * ((n * g.inChannels + grp * cg) * g.inH * g.inW);
        k.im2col(xg, cg, g.inH, g.inW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, g.outH, g.outW, cols);
        k.sgemm(og, P, taps, w + 4 * grp * og * taps, taps, cols, P, y + 4 * ((n * g.outChannels + grp * og) * P), P, 0);
      }
    }
  }

  return {
    name: 'wasm-simd',
    async conv2d(x, weight, bias, options = {}) {
      const g = checkConv2d('conv2d', x, weight, bias, options);
      return scoped(arena, () => {
        const P = g.outH * g.outW;
        const xp = arena.put(x, 'x');
        const wp = arena.put(weight, 'weight');
        const y = arena.alloc(g.batch * g.outChannels * P, 'the output');
        const cols = arena.alloc(g.inChannelsPerGroup * g.kernelH * g.kernelW * P, 'the im2col buffer');
        convForward(xp, wp, y, g, cols);
        if (bias) k.addBias(y, g.batch, g.outChannels, P, arena.put(bias, 'bias'));
        return arena.take(y, [g.batch, g.outChannels, g.outH, g.outW]);
      });
    },
    async conv2dBackward(dy, x, weight, options = {}) {
      const g = checkConv2dBackward(dy, x, weight, options);
      return scoped(arena, () => {
        const P = g.outH * g.outW;
        const cg = g.inChannelsPerGroup;
        const og = g.outChannelsPerGroup;
        const taps = cg * g.kernelH * g.kernelW;
        const xp = arena.put(x, 'x');
        const wp = arena.put(weight, 'weight');
        const dyp = arena.put(dy, 'dy');
        const dx = arena.zeros(x.data.length, 'dx');
        const dw = arena.zeros(weight.data.length, 'dw');
        const db = arena.alloc(g.outChannels, 'db');
        const cols = arena.alloc(taps * P, 'the im2col buffer');
        const dcols = arena.alloc(taps * P, 'the column gradient buffer');
        const wT = arena.alloc(weight.data.length, 'the transposed weight');
        for (let grp = 0; grp < g.groups; grp++) k.transpose(wp + 4 * grp * og * taps, og, taps, wT + 4 * grp * og * taps);
        for (let n = 0; n < g.batch; n++) {
          for (let grp = 0; grp < g.groups; grp++) {
            const xg = xp + 4 * ((n * g.inChannels + grp * cg) * g.inH * g.inW);
            const dyg = dyp + 4 * ((n * g.outChannels + grp * og) * P);
            const geometry = [g.inH, g.inW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, g.outH, g.outW] as const;
            // dw_g += dy_g · colsᵀ (both read along rows: no transpose)
            k.im2col(xg, cg, ...geometry, cols);
            k.sgemmNT(og, taps, P, dyg, P, cols, P, dw + 4 * grp * og * taps, taps, 1);
            // dx_g += col2im(W_gᵀ · dy_g)
            k.sgemm(taps, P, og, wT + 4 * grp * og * taps, og, dyg, P, dcols, P, 0);
            k.col2im(dcols, cg, ...geometry, dx + 4 * ((n * g.inChannels + grp * cg) * g.inH * g.inW));
          }
        }
        k.sumBias(dyp, g.batch, g.outChannels, P, db);
        return { dx: arena.take(dx, x.shape), dw: arena.take(dw, weight.shape), db: arena.take(db, [g.outChannels]) };
      });
    },
    async maxPool2d(x, options) {
      const g = checkMaxPool2d('maxPool2d', x, options);
      return scoped(arena, () => {
        const y = arena.alloc(g.batch * g.channels * g.outH * g.outW, 'the output');
        k.maxPoolForward(arena.put(x, 'x'), g.batch * g.channels, g.inH, g.inW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, g.outH, g.outW, y);
        return arena.take(y, [g.batch, g.channels, g.outH, g.outW]);
      });
    },
    async maxPool2dBackward(dy, x, options) {
      const g = checkMaxPool2dBackward(dy, x, options);
      return scoped(arena, () => {
        const dx = arena.zeros(x.data.length, 'dx');
        k.maxPoolBackward(arena.put(dy, 'dy'), arena.put(x, 'x'), g.batch * g.channels, g.inH, g.inW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, g.outH, g.outW, dx);
        return { dx: arena.take(dx, x.shape) };
      });
    },
    async avgPool2d(x, options) {
      const g = checkAvgPool2d('avgPool2d', x, options);
      return scoped(arena, () => {
        const y = arena.alloc(g.batch * g.channels * g.outH * g.outW, 'the output');
        k.avgPoolForward(arena.put(x, 'x'), g.batch * g.channels, g.inH, g.inW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padBottom, g.padLeft, g.padRight,
          (options.countIncludePad ?? true) ? 1 : 0, g.outH, g.outW, y);
        return arena.take(y, [g.batch, g.channels, g.outH, g.outW]);
      });
    },
    async avgPool2dBackward(dy, x, options) {
      const g = checkAvgPool2dBackward(dy, x, options);
      return scoped(arena, () => {
        const dx = arena.zeros(x.data.length, 'dx');
        k.avgPoolBackward(arena.put(dy, 'dy'), g.batch * g.channels, g.inH, g.inW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padBottom, g.padLeft, g.padRight,
          (options.countIncludePad ?? true) ? 1 : 0, g.outH, g.outW, dx);
        return { dx: arena.take(dx, x.shape) };
      });
    },
    async matmul(A, B) {
      const [m, kk, n] = checkMatmul(A, B);
      return scoped(arena, () => {
        const c = arena.alloc(m * n, 'the product');
        k.sgemm(m, n, kk, arena.put(A, 'A'), kk, arena.put(B, 'B'), n, c, n, 0);
        return arena.take(c, [m, n]);
      });
    },
    async linear(x, weight, bias) {
      checkLinear('linear', x, weight, bias);
      const [batch, inF] = x.shape;
      const outF = weight.shape[0];
      return scoped(arena, () => {
        const y = arena.alloc(batch * outF, 'the output');
        k.sgemmNT(batch, outF, inF, arena.put(x, 'x'), inF, arena.put(weight, 'weight'), inF, y, outF, 0);
        if (bias) k.addBias(y, batch, outF, 1, arena.put(bias, 'bias'));
        return arena.take(y, [batch, outF]);
      });
    },
    async linearBackward(dy, x, weight) {
      checkLinearBackward(dy, x, weight);
      const [batch, inF] = x.shape;
      const outF = weight.shape[0];
      return scoped(arena, () => {
        const dyp = arena.put(dy, 'dy');
        const dx = arena.alloc(batch * inF, 'dx');
        k.sgemm(batch, inF, outF, dyp, outF, arena.put(weight, 'weight'), inF, dx, inF, 0);
        const dyT = arena.alloc(batch * outF, 'the transposed dy');
        k.transpose(dyp, batch, outF, dyT);
        const dw = arena.alloc(outF * inF, 'dw');
        k.sgemm(outF, inF, batch, dyT, batch, arena.put(x, 'x'), inF, dw, inF, 0);
        const db = arena.alloc(outF, 'db');
        k.sumBias(dyT, 1, outF, batch, db); // row sums of dyᵀ
        return { dx: arena.take(dx, [batch, inF]), dw: arena.take(dw, [outF, inF]), db: arena.take(db, [outF]) };
      });
    },
    // A reshape: no kernel; the data is copied to float32 so callers may mutate either side.
    async flatten(x) {
      const y = ref.flatten(x);
      return { shape: y.shape, data: Float32Array.from(x.data) };
    },
    async flattenBackward(dy, inputShape) {
      const { dx } = ref.flattenBackward(dy, inputShape);
      return { dx: { shape: dx.shape, data: Float32Array.from(dy.data) } };
    },
    sigmoid: async (x) => unary('sigmoid', x, k.sigmoidForward),
    sigmoidBackward: async (dy, y) => ({ dx: binary('sigmoidBackward', dy, 'output', y, k.sigmoidBackward) }),
    relu: async (x) => unary('relu', x, k.reluForward),
    reluBackward: async (dy, x) => ({ dx: binary('reluBackward', dy, 'x', x, k.reluBackward) }),
    softmax: async (x) => rows('softmax', x, 0),
    softmaxBackward: async (dy, y) => ({ dx: rowsBackward('softmaxBackward', dy, y, 0) }),
    logSoftmax: async (x) => rows('logSoftmax', x, 1),
    logSoftmaxBackward: async (dy, y) => ({ dx: rowsBackward('logSoftmaxBackward', dy, y, 1) }),
    async crossEntropy(logits, labels) {
      assertLabels('crossEntropy', logits, labels);
      return scoped(arena, () => k.crossEntropyForward(arena.put(logits, 'logits'), arena.putInt32(labels), logits.shape[0], logits.shape[1]));
    },
    async crossEntropyBackward(logits, labels) {
      assertLabels('crossEntropyBackward', logits, labels);
      return scoped(arena, () => {
        const d = arena.alloc(logits.data.length, 'dlogits');
        k.crossEntropyBackward(arena.put(logits, 'logits'), arena.putInt32(labels), logits.shape[0], logits.shape[1], d);
        return { dlogits: arena.take(d, logits.shape) };
      });
    },
    async accuracy(logits, labels) {
      assertLabels('accuracy', logits, labels);
      return scoped(arena, () => k.correctCount(arena.put(logits, 'logits'), arena.putInt32(labels), logits.shape[0], logits.shape[1]) / logits.shape[0]);
    },
    async sgd(params, grads, lr) {
      checkSgd(params, grads, lr);
      scoped(arena, () => {
        for (let i = 0; i < params.length; i++) {
          const p = arena.put(params[i], 'a parameter');
          k.sgdUpdate(p, arena.put(grads[i], 'a gradient'), params[i].data.length, lr);
          params[i].data.set(arena.f32(p, params[i].data.length));
        }
      });
    },
    dispose: () => arena.reset(),
  };

  // Elementwise and row-wise helpers: the reference validates (its own errors), the module computes.
  function unary(op: 'sigmoid' | 'relu', x: ref.Tensor, kernel: Fn): ref.Tensor {
    ref.assertTensor(op, 'x', x);
    return scoped(arena, () => {
      const y = arena.alloc(x.data.length, 'the output');
      kernel(arena.put(x, 'x'), x.data.length, y);
      return arena.take(y, x.shape);
    });
  }
  function binary(op: string, dy: ref.Tensor, otherName: string, other: ref.Tensor, kernel: Fn): ref.Tensor {
    ref.assertTensor(op, 'dy', dy);
    ref.assertTensor(op, otherName, other);
    assertSameShape(op, dy, other);
    return scoped(arena, () => {
      const dx = arena.alloc(dy.data.length, 'dx');
      kernel(arena.put(dy, 'dy'), arena.put(other, otherName), dy.data.length, dx);
      return arena.take(dx, dy.shape);
    });
  }
  function rows(op: 'softmax' | 'logSoftmax', x: ref.Tensor, log: number): ref.Tensor {
    ref.assertTensor(op, 'x', x, 2, '[N, C]');
    return scoped(arena, () => {
      const y = arena.alloc(x.data.length, 'the output');
      k.softmaxForward(arena.put(x, 'x'), x.shape[0], x.shape[1], log, y);
      return arena.take(y, x.shape);
    });
  }
  function rowsBackward(op: string, dy: ref.Tensor, y: ref.Tensor, log: number): ref.Tensor {
    ref.assertTensor(op, 'dy', dy, 2, '[N, C]');
    ref.assertTensor(op, 'output', y, 2, '[N, C]');
    assertSameShape(op, dy, y);
    return scoped(arena, () => {
      const dx = arena.alloc(dy.data.length, 'dx');
      k.softmaxBackward(arena.put(dy, 'dy'), arena.put(y, 'output'), dy.shape[0], dy.shape[1], log, dx);
      return arena.take(dx, dy.shape);
    });
  }
}

function assertSameShape(op: string, dy: ref.Tensor, other: ref.Tensor): void {
  if (dy.shape.join() !== other.shape.join()) ref.sigmoidBackward(dy, other); // throws the reference's shape error
  void op;
}
