/** Determinism: the same call gives the same bits, whatever ran in between. */
import fc from 'fast-check';
import { conv2dCase, type Conv2dCase } from '../arbitraries/conv2dCase';
import { pool2dCase, type Pool2dCase } from '../arbitraries/pool2dCase';
import { assertSameBits } from '../compare';
import { conv2dInputs } from '../conformance/conv2d';
import { defineProperty } from '../property';
import { float32Tensor } from '../tensors';

export const deterministic = defineProperty({
  id: 'contract-deterministic',
  kind: 'contract',
  statement: 'the same call twice, interleaved with calls of other shapes, gives identical bits (forward and backward)',
  arbitrary: fc.record({ c: conv2dCase(), other: conv2dCase(), pool: pool2dCase() }),
  async check(backend, { c, other, pool }: { c: Conv2dCase; other: Conv2dCase; pool: Pool2dCase }) {
    const { x, w, b } = conv2dInputs(c);
    const first = await backend.conv2d(x, w, b, c.options);
    const firstGrads = await backend.conv2dBackward(first, x, w, c.options);
    // Other shapes in between: caches, pooled buffers or textures must not leak into the next call.
    const o = conv2dInputs(other);
    await backend.conv2d(o.x, o.w, o.b, other.options);
    const px = float32Tensor(pool.xShape, pool.seed);
    if (pool.kind === 'max') await backend.maxPool2d(px, pool.options);
    else await backend.avgPool2d(px, pool.options);
    const second = await backend.conv2d(x, w, b, c.options);
    assertSameBits('conv2d', second, first);
    const secondGrads = await backend.conv2dBackward(first, x, w, c.options);
    for (const name of ['dx', 'dw', 'db'] as const) assertSameBits(`conv2d ${name}`, secondGrads[name], firstGrads[name]);
  },
});
