/** The chapter's laws of pooling, on a backend's own operations. */
import * as ref from '../../../reference/index.ts';
import type { Backend } from '../../../kernels/backend.ts';
import { pool2dCase, type Pool2dCase } from '../../arbitraries/pool2dCase.ts';
import fc from 'fast-check';
import { ANY_DTYPE, assertEqual, assertShape, assertThat } from '../../compare.ts';
import { defineProperty } from '../../property.ts';
import { abs, concatChannels, sliceChannels, transposedOptions, transposeHW } from '../../tensorOps.ts';
import { float32Tensor } from '../../tensors.ts';
import { sumOfProductsTolerance } from '../../tolerance.ts';

function pool(backend: Backend, c: Pool2dCase, x: ref.Tensor): Promise<ref.Tensor> {
  return c.kind === 'max' ? backend.maxPool2d(x, c.options) : backend.avgPool2d(x, c.options);
}

export const poolingActsPerChannel = defineProperty({
  id: 'law-pooling-acts-per-channel',
  kind: 'law',
  uses: ['maxPool2d', 'avgPool2d'],
  partial: true,
  statement: 'pooling acts per channel: pooling a channel-concatenation equals concatenating the pools',
  arbitrary: fc.record({ c: pool2dCase({ maxChannels: 4 }), split: fc.integer({ min: 1, max: 3 }) }),
  async check(backend, { c, split }: { c: Pool2dCase; split: number }) {
    const x = float32Tensor(c.xShape, c.seed, 'integer');
    const C = c.xShape[1];
    const cut = Math.min(split, C);
    const whole = await pool(backend, c, x);
    const parts = cut === C ? [whole] : [await pool(backend, c, sliceChannels(x, 0, cut)), await pool(backend, c, sliceChannels(x, cut, C))];
    assertEqual(`pool(x) vs pool(x[:, :${cut}]) ++ pool(x[:, ${cut}:])`, whole, concatChannels(parts), ANY_DTYPE);
    // A second, independent check: a channel's pool depends on nothing but that channel.
    for (let ch = 0; ch < C; ch++) {
      assertEqual(`channel ${ch} alone`, await pool(backend, c, sliceChannels(x, ch, ch + 1)), sliceChannels(whole, ch, ch + 1), ANY_DTYPE);
    }
  },
});

export const maxPoolDominatesAvgPool = defineProperty({
  id: 'law-max-pool-dominates-avg-pool',
  kind: 'law',
  uses: ['maxPool2d', 'avgPool2d'],
  statement: 'max pool >= avg pool, window by window, when padding is not counted in the average',
  arbitrary: pool2dCase({ kinds: ['avg'], maxDilation: 1 }),
  async check(backend, c: Pool2dCase) {
    const options = { ...(c.options as ref.AvgPool2dOptions), countIncludePad: false };
    const x = float32Tensor(c.xShape, c.seed);
    const { countIncludePad: _, ...maxOptions } = options;
    const maxima = await backend.maxPool2d(x, maxOptions);
    const means = await backend.avgPool2d(x, options);
    assertShape('avgPool2d', means, maxima.shape);
    const g = ref.resolvePool2d('avgPool2d', c.xShape, options, ref.AVG_POOL2D_OPTIONS);
    // The float32 mean may round above the true mean by the error of a sum of kh*kw terms; the
    // backend's own mean of |x| gives the scale (same shape as its output, whatever that is).
    const bound = sumOfProductsTolerance((await backend.avgPool2d(abs(x), options)).data, g.kernelH * g.kernelW);
    for (let i = 0; i < means.data.length; i++) {
      assertThat(means.data[i] <= maxima.data[i] + bound[i], `window ${i}: avg ${means.data[i]} > max ${maxima.data[i]}`);
    }
  },
});

export const poolTransposeCommutes = defineProperty({
  id: 'law-pool-transpose-commutes',
  kind: 'law',
  uses: ['maxPool2d', 'avgPool2d'],
  partial: true,
  statement: 'pool(xᵀ) = pool(x)ᵀ with the window, stride, padding and dilation swapped between the axes',
  arbitrary: pool2dCase(),
  async check(backend, c: Pool2dCase) {
    const x = float32Tensor(c.xShape, c.seed, 'integer');
    const swapped = transposedOptions(c.options as ref.MaxPool2dOptions & ref.AvgPool2dOptions) as Pool2dCase['options'];
    const y = await pool(backend, c, x);
    const yT = await pool(backend, { ...c, options: swapped } as Pool2dCase, transposeHW(x));
    assertEqual('pool(xᵀ) vs pool(x)ᵀ', yT, transposeHW(y), ANY_DTYPE);
  },
});
