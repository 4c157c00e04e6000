/** matmul, linear and its backward, flatten and its backward equal the reference. */
import fc from 'fast-check';
import { expectConforms } from '../../judges.ts';
import { defineProperty } from '../../property.ts';
import { FINITE_SPECIAL_VALUES, float32Tensor, regimeTensor, type ValueKind, type ValueRegime } from '../../tensors.ts';

const int = (min: number, max: number) => fc.integer({ min, max });

export interface DenseCase {
  readonly batch: number;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly seed: number;
  /** How x, w, b and dy are drawn. Absent in older stored cases: uniform, no specials. */
  readonly values?: ValueRegime;
}

/**
 * Small widths, and one case in ten with a dot product over 1000 to 1100 features (past gpu.js's
 * loop limit). Values uniform, cancelling or wide, with NaN and ±Infinity sprinkled in one case in
 * four (a product with an infinity or NaN is NaN or ±Infinity whatever the summation order).
 */
export const denseCase: fc.Arbitrary<DenseCase> = fc.record({
  batch: int(1, 9),
  inFeatures: fc.oneof({ arbitrary: int(1, 13), weight: 9 }, { arbitrary: int(1000, 1100), weight: 1 }),
  outFeatures: int(1, 11),
  seed: fc.integer(),
  values: fc.record({ values: fc.constantFrom<ValueKind>('uniform', 'cancelling', 'wide'), specials: fc.integer({ min: 1, max: 4 }).map((k) => k === 1) }),
});

const UNIFORM: ValueRegime = { values: 'uniform', specials: false };

export const linearEqualsReference = defineProperty({
  id: 'linear-equals-reference',
  kind: 'conformance',
  uses: ['matmul', 'linear', 'linearBackward'],
  partial: true,
  statement: 'matmul, linear and linearBackward (dx, dw, db) equal the reference within (n+2)·2^-24·Σ|a·b|',
  arbitrary: denseCase,
  async check(backend, c: DenseCase, context) {
    const regime = c.values ?? UNIFORM;
    const x = regimeTensor([c.batch, c.inFeatures], c.seed, regime);
    const w = regimeTensor([c.outFeatures, c.inFeatures], c.seed + 1, regime);
    const b = regimeTensor([c.outFeatures], c.seed + 2, regime);
    const wT = regimeTensor([c.inFeatures, c.outFeatures], c.seed + 1, regime);
    await expectConforms(backend, 'matmul', [x, wT], context);
    await expectConforms(backend, 'linear', [x, w, b], context);
    const dy = regimeTensor([c.batch, c.outFeatures], c.seed + 3, regime, FINITE_SPECIAL_VALUES);
    await expectConforms(backend, 'linearBackward', [dy, x, w], context);
  },
});

export const flattenEqualsReference = defineProperty({
  id: 'flatten-equals-reference',
  kind: 'conformance',
  uses: ['flatten', 'flattenBackward'],
  partial: true,
  statement: 'flatten and flattenBackward move values without changing them: [N, ...] <-> [N, rest]',
  arbitrary: fc.record({ shape: fc.array(int(1, 5), { minLength: 2, maxLength: 4 }), seed: fc.integer() }),
  async check(backend, c: { shape: number[]; seed: number }, context) {
    const x = float32Tensor(c.shape, c.seed);
    await expectConforms(backend, 'flatten', [x], context);
    const dy = float32Tensor([c.shape[0], x.data.length / c.shape[0]], c.seed + 1);
    await expectConforms(backend, 'flattenBackward', [dy, c.shape], context);
  },
});
