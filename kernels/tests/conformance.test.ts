// Every kernel, forward and backward, equals the reference within the float32 error model
// (properties/tolerance.ts), on every backend that runs here. Backends named in REQUIRE_BACKENDS
// must run: CI sets cpu,webasm,headlessgl, so a missing GL build fails instead of being skipped.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as ref from '../../reference/index';
import type { Tensor } from '../../reference/index';
import { createBackend, type GpuJsBackend } from '../index';
import { EXPECTED_KERNEL_CLASS } from '../gpujs/runtime';
import { conv2dCase } from '../../properties/arbitraries/conv2dCase';
import { pool2dCase } from '../../properties/arbitraries/pool2dCase';
import { kernelBackends } from '../../properties/backends';
import { seededTensor, type ValueKind } from '../../properties/tensors';
import { sumOfProductsTolerance, transcendentalTolerance, worstViolation } from '../../properties/tolerance';

const SEED = Number(process.env.FC_SEED ?? 20261122);

/** Float32-representable inputs: the kernels see exactly what the reference sees. */
function input(shape: readonly number[], seed: number, kind: ValueKind = 'uniform', scale = 1): Tensor {
  const t = seededTensor(shape, seed, kind);
  return { shape: t.shape, data: Float32Array.from(t.data, (v) => v * scale) };
}

const abs = (t: Tensor): Tensor => ({ shape: t.shape, data: Float64Array.from(t.data, Math.abs) });

function expectWithin(name: string, actual: Tensor, expected: Tensor, bound: ArrayLike<number>): void {
  expect(actual.shape, `${name}: shape`).toEqual(expected.shape);
  expect(actual.data, `${name}: dtype`).toBeInstanceOf(Float32Array);
  const { ratio, index } = worstViolation(actual.data, expected.data, bound);
  expect(ratio, `${name}: element ${index} is ${actual.data[index]}, reference ${expected.data[index]}, bound ${bound[index]}`).toBeLessThanOrEqual(1);
}

for (const status of kernelBackends()) {
  describe.runIf(status.available || status.required)(`backend ${status.name}`, () => {
    it('starts here', () => {
      expect(status.available, status.reason).toBe(true);
    });
    if (!status.available) return;
    const backend = createBackend(status.name) as GpuJsBackend;
    afterAll(() => {
      // No silent fallback: every compiled kernel ran on the requested gpu.js backend.
      expect([...backend.executedKernelClasses()]).toEqual([EXPECTED_KERNEL_CLASS[status.name as keyof typeof EXPECTED_KERNEL_CLASS]]);
      backend.dispose();
    });
    const runs = status.name === 'headlessgl' ? 12 : 25; // GL compiles each new shape in ~0.2 s

    it('conv2d forward, dx, dw, db: generated configurations (stride, asymmetric padding, dilation, groups)', async () => {
      await fc.assert(
        fc.asyncProperty(conv2dCase(), async (c) => {
          const x = input(c.xShape, c.seed);
          const w = input(c.weightShape, c.seed + 1);
          const b = c.hasBias ? input([c.weightShape[0]], c.seed + 2) : null;
          const expected = ref.conv2d(x, w, b, c.options);
          const terms = c.weightShape[1] * c.weightShape[2] * c.weightShape[3] + 1;
          const bound = ref.conv2d(abs(x), abs(w), b && abs(b), c.options);
          expectWithin('conv2d', await backend.conv2d(x, w, b, c.options), expected, sumOfProductsTolerance(bound.data, terms));

          const dy = input(expected.shape, c.seed + 3);
          const got = await backend.conv2dBackward(dy, x, w, c.options);
          const want = ref.conv2dBackward(dy, x, w, c.options);
          const absolute = ref.conv2dBackward(abs(dy), abs(x), abs(w), c.options);
          const [N, Cout, outH, outW] = expected.shape;
          const outPerGroup = Cout / ((c.options.groups as number) ?? 1);
          expectWithin('conv2d dx', got.dx, want.dx, sumOfProductsTolerance(absolute.dx.data, outPerGroup * c.weightShape[2] * c.weightShape[3]));
          expectWithin('conv2d dw', got.dw, want.dw, sumOfProductsTolerance(absolute.dw.data, N * outH * outW));
          expectWithin('conv2d db', got.db, want.db, sumOfProductsTolerance(absolute.db.data, N * outH * outW));
        }),
        { seed: SEED, numRuns: runs },
      );
    });

    it('conv2d: LeNet conv2 shape (N=4 Cin=6 14x14 Cout=16 k5), inner loop of 150 taps', async () => {
      const x = input([4, 6, 14, 14], 1);
      const w = input([16, 6, 5, 5], 2);
      const b = input([16], 3);
      const bound = ref.conv2d(abs(x), abs(w), abs(b));
      expectWithin('conv2d', await backend.conv2d(x, w, b), ref.conv2d(x, w, b), sumOfProductsTolerance(bound.data, 151));
    });

    it('conv2d dw: a sum over more than 1000 positions (no loopMaxIterations truncation)', async () => {
      const x = input([3, 1, 24, 24], 4); // dw sums N*outH*outW = 3*22*22 = 1452 products
      const w = input([2, 1, 3, 3], 5);
      const dy = input([3, 2, 22, 22], 6);
      const got = await backend.conv2dBackward(dy, x, w);
      const absolute = ref.conv2dBackward(abs(dy), abs(x), abs(w));
      expectWithin('conv2d dw', got.dw, ref.conv2dBackward(dy, x, w).dw, sumOfProductsTolerance(absolute.dw.data, 1452));
    });

    it('maxPool2d and avgPool2d, forward and dx: generated configurations (ceilMode, countIncludePad, dilation)', async () => {
      await fc.assert(
        fc.asyncProperty(pool2dCase(), async (c) => {
          const x = input(c.xShape, c.seed, 'distinct');
          if (c.kind === 'max') {
            const y = ref.maxPool2d(x, c.options);
            // Max pooling selects: exact. Its backward adds at most kh*kw gradients per cell.
            expectWithin('maxPool2d', await backend.maxPool2d(x, c.options), y, new Float64Array(y.data.length));
            const dy = input(y.shape, c.seed + 1);
            const k = ref.resolvePool2d('maxPool2d', c.xShape, c.options, ref.MAX_POOL2D_OPTIONS);
            const bound = ref.maxPool2dBackward(abs(dy), x, c.options).dx;
            expectWithin('maxPool2d dx', (await backend.maxPool2dBackward(dy, x, c.options)).dx, ref.maxPool2dBackward(dy, x, c.options).dx,
              sumOfProductsTolerance(bound.data, k.kernelH * k.kernelW));
          } else {
            const g = ref.resolvePool2d('avgPool2d', c.xShape, c.options, ref.AVG_POOL2D_OPTIONS);
            const terms = g.kernelH * g.kernelW;
            const y = ref.avgPool2d(x, c.options);
            expectWithin('avgPool2d', await backend.avgPool2d(x, c.options), y, sumOfProductsTolerance(ref.avgPool2d(abs(x), c.options).data, terms));
            const dy = input(y.shape, c.seed + 1);
            const bound = ref.avgPool2dBackward(abs(dy), x, c.options).dx;
            expectWithin('avgPool2d dx', (await backend.avgPool2dBackward(dy, x, c.options)).dx, ref.avgPool2dBackward(dy, x, c.options).dx,
              sumOfProductsTolerance(bound.data, terms));
          }
        }),
        { seed: SEED, numRuns: runs },
      );
    });

    it('matmul and linear forward, dx, dw, db (LeNet fc1 shape: 8x400 · 400->120)', async () => {
      const A = input([5, 7], 1);
      const B = input([7, 3], 2);
      expectWithin('matmul', await backend.matmul(A, B), ref.matmul(A, B), sumOfProductsTolerance(ref.matmul(abs(A), abs(B)).data, 7));
      const x = input([8, 400], 3);
      const w = input([120, 400], 4);
      const b = input([120], 5);
      expectWithin('linear', await backend.linear(x, w, b), ref.linear(x, w, b), sumOfProductsTolerance(ref.linear(abs(x), abs(w), abs(b)).data, 401));
      const dy = input([8, 120], 6);
      const got = await backend.linearBackward(dy, x, w);
      const want = ref.linearBackward(dy, x, w);
      const absolute = ref.linearBackward(abs(dy), abs(x), abs(w));
      expectWithin('linear dx', got.dx, want.dx, sumOfProductsTolerance(absolute.dx.data, 120));
      expectWithin('linear dw', got.dw, want.dw, sumOfProductsTolerance(absolute.dw.data, 8));
      expectWithin('linear db', got.db, want.db, sumOfProductsTolerance(absolute.db.data, 8));
    });

    it('sigmoid, relu, softmax, logSoftmax and their backward passes', async () => {
      const x = input([6, 10], 7, 'uniform', 4); // [-4, 4): the range the exp bound assumes
      const dy = input([6, 10], 8);
      const y = ref.sigmoid(x);
      expectWithin('sigmoid', await backend.sigmoid(x), y, transcendentalTolerance(y.data, 0));
      const y32 = { shape: y.shape, data: Float32Array.from(y.data) };
      const sb = ref.sigmoidBackward(dy, y32).dx;
      expectWithin('sigmoid dx', (await backend.sigmoidBackward(dy, y32)).dx, sb, sumOfProductsTolerance(Float64Array.from(sb.data, Math.abs), 3));
      const xr = input([6, 10], 9, 'distinct');
      expectWithin('relu', await backend.relu(xr), ref.relu(xr), new Float64Array(60));
      expectWithin('relu dx', (await backend.reluBackward(dy, xr)).dx, ref.reluBackward(dy, xr).dx, new Float64Array(60));
      const s = ref.softmax(x);
      expectWithin('softmax', await backend.softmax(x), s, transcendentalTolerance(s.data, 10));
      const s32 = { shape: s.shape, data: Float32Array.from(s.data) };
      // |dx_i| <= y_i (|dy_i| + sum_j |dy_j| y_j): the absolute sum the rounding scales with.
      const dsBound = Float64Array.from(s32.data, (yi, i) => {
        const row = Math.floor(i / 10) * 10;
        let dot = 0;
        for (let j = 0; j < 10; j++) dot += Math.abs(dy.data[row + j]) * s32.data[row + j];
        return yi * (Math.abs(dy.data[i]) + dot);
      });
      expectWithin('softmax dx', (await backend.softmaxBackward(dy, s32)).dx, ref.softmaxBackward(dy, s32).dx, sumOfProductsTolerance(dsBound, 12));
      const l = ref.logSoftmax(x);
      expectWithin('logSoftmax', await backend.logSoftmax(x), l, transcendentalTolerance(l.data, 10));
      const l32 = { shape: l.shape, data: Float32Array.from(l.data) };
      const lb = ref.logSoftmaxBackward(dy, l32).dx;
      expectWithin('logSoftmax dx', (await backend.logSoftmaxBackward(dy, l32)).dx, lb, transcendentalTolerance(Float64Array.from(lb.data, (v, i) => Math.abs(v) + 10 * Math.abs(dy.data[i])), 10));
    });

    it('crossEntropy, its gradient, accuracy', async () => {
      const logits = input([7, 10], 10, 'uniform', 4);
      const labels = [3, 0, 9, 4, 4, 1, 7];
      const loss = await backend.crossEntropy(logits, labels);
      expect(Math.abs(loss - ref.crossEntropy(logits, labels))).toBeLessThanOrEqual(transcendentalTolerance([ref.crossEntropy(logits, labels)], 10)[0]);
      const g = ref.crossEntropyBackward(logits, labels).dlogits;
      expectWithin('crossEntropy dlogits', (await backend.crossEntropyBackward(logits, labels)).dlogits, g, transcendentalTolerance(new Float64Array(70).fill(1 / 7), 10));
      expect(await backend.accuracy(logits, labels)).toBe(ref.accuracy(logits, labels));
    });

    it('sgd updates in place', async () => {
      const p = input([3, 4], 11);
      const g = input([3, 4], 12);
      const expected = Float64Array.from(p.data, (v, i) => v - 0.9 * g.data[i]);
      await backend.sgd([p], [g], 0.9);
      const { ratio } = worstViolation(p.data, expected, Float64Array.from(expected, (v) => 3 * 2 ** -24 * (Math.abs(v) + 1)));
      expect(ratio).toBeLessThanOrEqual(1);
    });

    it('rejects bad input with the reference\'s own errors', async () => {
      const x = input([1, 2, 5, 5], 1);
      const message = (() => { try { ref.conv2d(x, ref.zeros([3, 1, 3, 3]), null); } catch (e) { return (e as Error).message; } return ''; })();
      await expect(backend.conv2d(x, ref.zeros([3, 1, 3, 3]), null)).rejects.toThrow(message);
      await expect(backend.maxPool2d(x, { kernelSize: 2, padding: 2 })).rejects.toThrow(ref.OperatorInputError);
      await expect(backend.crossEntropy(ref.zeros([2, 3]), [0, 3])).rejects.toThrow('labels[1] = 3');
    });
  });
}
