/** Determinism: the same call gives the same bits, whatever ran in between. */
import fc from 'fast-check';
import type { Backend } from '../../kernels/backend.ts';
import * as ref from '../../reference/index.ts';
import { conv2dCase, type Conv2dCase } from '../arbitraries/conv2dCase.ts';
import { pool2dCase, type Pool2dCase } from '../arbitraries/pool2dCase.ts';
import { assertSameBits } from '../compare.ts';
import { conv2dInputs } from '../operations/conv2d/conformance.ts';
import { ifImplemented } from '../judges.ts';
import { defineProperty } from '../property.ts';
import { float32Tensor } from '../tensors.ts';

/** Every result of one round of calls, by name (operations a partial backend lacks are left out). */
async function round(backend: Backend, c: Conv2dCase, pool: Pool2dCase): Promise<Map<string, ref.Tensor>> {
  const { x, w, b } = conv2dInputs(c);
  const results = new Map<string, ref.Tensor>();
  const keep = (name: string, t: ref.Tensor | undefined) => t && results.set(name, t);
  keep('conv2d', await ifImplemented(() => backend.conv2d(x, w, b, c.options)));
  const g = ref.resolveConv2d('conv2d', c.xShape, c.weightShape, null, c.options);
  const dy = float32Tensor([g.batch, g.outChannels, g.outH, g.outW], c.seed + 3);
  const grads = await ifImplemented(() => backend.conv2dBackward(dy, x, w, c.options));
  for (const name of ['dx', 'dw', 'db'] as const) keep(`conv2dBackward ${name}`, grads?.[name] ?? undefined);
  const px = float32Tensor(pool.xShape, pool.seed, pool.kind === 'max' ? 'ties' : 'uniform');
  const shape = (pool.kind === 'max' ? ref.maxPool2d(px, pool.options) : ref.avgPool2d(px, pool.options)).shape;
  const pdy = float32Tensor(shape, pool.seed + 1);
  if (pool.kind === 'max') {
    keep('maxPool2d', await ifImplemented(() => backend.maxPool2d(px, pool.options)));
    keep('maxPool2dBackward dx', (await ifImplemented(() => backend.maxPool2dBackward(pdy, px, pool.options)))?.dx);
  } else {
    keep('avgPool2d', await ifImplemented(() => backend.avgPool2d(px, pool.options)));
    keep('avgPool2dBackward dx', (await ifImplemented(() => backend.avgPool2dBackward(pdy, px, pool.options)))?.dx);
  }
  // The dense layer on this case's batch and the loss's gradient: threaded GEMMs and row reductions.
  const features = c.weightShape[1] * c.weightShape[2] * c.weightShape[3] + 1;
  const lx = float32Tensor([c.xShape[0], features], c.seed + 4);
  const lw = float32Tensor([c.weightShape[0], features], c.seed + 5);
  const ldy = float32Tensor([c.xShape[0], c.weightShape[0]], c.seed + 6);
  keep('linear', await ifImplemented(() => backend.linear(lx, lw, null)));
  const dense = await ifImplemented(() => backend.linearBackward(ldy, lx, lw));
  for (const name of ['dx', 'dw', 'db'] as const) keep(`linearBackward ${name}`, dense?.[name]);
  const labels = Array.from({ length: c.xShape[0] }, (_, n) => n % c.weightShape[0]);
  keep('crossEntropyBackward dlogits', (await ifImplemented(() => backend.crossEntropyBackward(ldy, labels)))?.dlogits);
  return results;
}

export const deterministic = defineProperty({
  id: 'contract-deterministic',
  kind: 'contract',
  uses: ['conv2d', 'conv2dBackward', 'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward', 'linear', 'linearBackward', 'crossEntropyBackward'],
  partial: true,
  statement: 'the same calls twice (conv2d, a pool, linear, their gradients, the loss gradient), interleaved with calls of other shapes, give identical bits, and later calls never change a result already returned',
  arbitrary: fc.record({ c: conv2dCase(), other: conv2dCase(), pool: pool2dCase(), otherPool: pool2dCase() }),
  async check(backend, { c, other, pool, otherPool }: { c: Conv2dCase; other: Conv2dCase; pool: Pool2dCase; otherPool: Pool2dCase }) {
    const first = await round(backend, c, pool);
    const snapshot = new Map([...first].map(([name, t]) => [name, { shape: t.shape, data: t.data.slice() }]));
    // Other shapes in between: caches, pooled buffers or textures must not leak into the next call.
    await round(backend, other, otherPool);
    // A result handed out must stay what it was: not a view of memory that later calls overwrite.
    for (const [name, tensor] of snapshot) assertSameBits(name, first.get(name)!, tensor, 'when returned', 'after later calls');
    const second = await round(backend, c, pool);
    for (const [name, tensor] of snapshot) assertSameBits(name, second.get(name)!, tensor);
  },
});
