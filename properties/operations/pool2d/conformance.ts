/** maxPool2d and avgPool2d, forward and backward, equal the reference. */
import * as ref from '../../../reference/index.ts';
import fc from 'fast-check';
import { ceilEdgePool2dCase } from '../../arbitraries/ceilEdgePool2dCase.ts';
import { chapterPool2dCase } from '../../arbitraries/chapterPool2dCase.ts';
import { pool2dCase, type Pool2dCase } from '../../arbitraries/pool2dCase.ts';
import { expectConforms } from '../../judges.ts';
import { defineProperty } from '../../property.ts';
import { belowZero, float32Tensor } from '../../tensors.ts';

/**
 * A max-pool case with how its values are drawn: distinct (unique winners), ties (equal maxima
 * everywhere) or offset (one large offset, 2^7 .. 2^15, plus [-8, 8), made negative: windows whose maximum is
 * far below zero, where a sentinel other than -Infinity shows).
 */
export type MaxCase = Extract<Pool2dCase, { kind: 'max' }> & { readonly values?: 'distinct' | 'ties' | 'offset' };
type AvgCase = Extract<Pool2dCase, { kind: 'avg' }> & { readonly values?: 'uniform' | 'cancelling' };

/**
 * Mixed windows (3 in 6), the chapter's 2x2 stride-2 window on a wide input (1 in 6), and ceil mode
 * with the last window hanging past the padding at the bottom, right or both edges (2 in 6).
 */
export const conformancePoolCases = (kind: 'max' | 'avg'): fc.Arbitrary<Pool2dCase> =>
  fc.oneof(
    { arbitrary: pool2dCase({ kinds: [kind] }), weight: 3 },
    { arbitrary: chapterPool2dCase(kind), weight: 1 },
    { arbitrary: ceilEdgePool2dCase(kind), weight: 2 },
  );

/** Max-pool cases, a third with ties (the gradient must go to the first maximum in row-major order), a third far below zero. */
export const conformanceMaxPoolCases: fc.Arbitrary<MaxCase> = fc
  .tuple(conformancePoolCases('max'), fc.constantFrom('distinct' as const, 'ties' as const, 'offset' as const))
  .map(([c, values]) => ({ ...(c as MaxCase), values }));

export const maxPool2dEqualsReference = defineProperty({
  id: 'maxpool2d-equals-reference',
  kind: 'conformance',
  uses: ['maxPool2d', 'maxPool2dBackward'],
  partial: true,
  statement: 'maxPool2d selects exactly the reference\'s values; its dx adds the same gradients to the same first maxima (row-major, ties included)',
  arbitrary: conformanceMaxPoolCases,
  async check(backend, c: MaxCase, context) {
    // Distinct values make every window's winner unique; ties (integers in [-2, 2]) make the first-maximum rule decide.
    const drawn = float32Tensor(c.xShape, c.seed, c.values ?? 'distinct');
    const x = c.values === 'offset' ? belowZero(drawn) : drawn;
    await expectConforms(backend, 'maxPool2d', [x, c.options], context);
    const dy = float32Tensor(ref.maxPool2d(x, c.options).shape, c.seed + 1);
    await expectConforms(backend, 'maxPool2dBackward', [dy, x, c.options], context);
  },
});

export const avgPool2dEqualsReference = defineProperty({
  id: 'avgpool2d-equals-reference',
  kind: 'conformance',
  uses: ['avgPool2d', 'avgPool2dBackward'],
  partial: true,
  statement: 'avgPool2d and its dx equal the reference within the error model (PyTorch\'s divisor, ceilMode, countIncludePad)',
  arbitrary: fc.tuple(conformancePoolCases('avg'), fc.constantFrom('uniform' as const, 'cancelling' as const)).map(([c, values]) => ({ ...(c as AvgCase), values })),
  async check(backend, c: AvgCase, context) {
    // Cancelling values (16 binades, random signs): the error model must hold where sums cancel.
    const x = float32Tensor(c.xShape, c.seed, c.values ?? 'uniform');
    await expectConforms(backend, 'avgPool2d', [x, c.options], context);
    const dy = float32Tensor(ref.avgPool2d(x, c.options).shape, c.seed + 1);
    await expectConforms(backend, 'avgPool2dBackward', [dy, x, c.options], context);
  },
});
