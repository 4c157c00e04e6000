/** sgd updates its parameters in place, p - lr·g, within two roundings. */
import fc from 'fast-check';
import { assertJudged, EXPECTATIONS, judge } from '../../judges.ts';
import { defineProperty } from '../../property.ts';
import { float32Tensor, type ValueKind } from '../../tensors.ts';

const int = (min: number, max: number) => fc.integer({ min, max });

export const sgdEqualsReference = defineProperty({
  id: 'sgd-equals-reference',
  kind: 'conformance',
  uses: ['sgd'],
  statement: 'sgd updates every parameter in place, p - lr·g, within two roundings',
  arbitrary: fc.record({
    sizes: fc.array(int(1, 40), { minLength: 1, maxLength: 3 }),
    lr: fc.constantFrom(0.01, 0.1, 0.9, 1.5),
    seed: fc.integer(),
    values: fc.constantFrom<ValueKind>('uniform', 'wide', 'cancelling'),
  }),
  async check(backend, c: { sizes: number[]; lr: number; seed: number; values?: ValueKind }, context) {
    const params = c.sizes.map((n, i) => float32Tensor([n], c.seed + 2 * i, c.values ?? 'uniform'));
    const grads = c.sizes.map((n, i) => float32Tensor([n], c.seed + 2 * i + 1, c.values ?? 'uniform'));
    const before = params.map((p) => ({ shape: p.shape, data: Float32Array.from(p.data) }));
    await backend.sgd(params, grads, c.lr);
    // In place: the same tensors now hold p - lr·g.
    assertJudged(judge(EXPECTATIONS.sgd([before, grads, c.lr]), params), context);
  },
});
