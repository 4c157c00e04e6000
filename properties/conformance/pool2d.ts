/** maxPool2d and avgPool2d, forward and backward, equal the reference. */
import * as ref from '../../reference/index';
import fc from 'fast-check';
import { chapterPool2dCase } from '../arbitraries/chapterPool2dCase';
import { pool2dCase, type Pool2dCase } from '../arbitraries/pool2dCase';
import { assertClose, assertEqual, assertFloat32 } from '../compare';
import { defineProperty } from '../property';
import { abs } from '../tensorOps';
import { float32Tensor } from '../tensors';
import { sumOfProductsTolerance } from '../tolerance';

type MaxCase = Extract<Pool2dCase, { kind: 'max' }>;
type AvgCase = Extract<Pool2dCase, { kind: 'avg' }>;

/** Mixed windows, and one case in four the chapter's 2x2 stride-2 window on a wide input. */
const conformancePoolCases = (kind: 'max' | 'avg') =>
  fc.oneof({ arbitrary: pool2dCase({ kinds: [kind] }), weight: 3 }, { arbitrary: chapterPool2dCase(kind), weight: 1 });

export const maxPool2dEqualsReference = defineProperty({
  id: 'maxpool2d-equals-reference',
  kind: 'conformance',
  statement: 'maxPool2d selects exactly the reference\'s values; its dx adds the same gradients to the same first maxima',
  arbitrary: conformancePoolCases('max').map((c) => c as MaxCase),
  async check(backend, c: MaxCase) {
    // Distinct values: the winner of every window is unique, so the comparison is exact.
    const x = float32Tensor(c.xShape, c.seed, 'distinct');
    const y = await backend.maxPool2d(x, c.options);
    assertFloat32('maxPool2d', y);
    const expected = ref.maxPool2d(x, c.options);
    assertEqual('maxPool2d', y, expected);
    const dy = float32Tensor(expected.shape, c.seed + 1);
    const g = ref.resolvePool2d('maxPool2d', c.xShape, c.options, ref.MAX_POOL2D_OPTIONS);
    const dx = (await backend.maxPool2dBackward(dy, x, c.options)).dx;
    assertFloat32('maxPool2d dx', dx);
    // A cell can win up to kh*kw overlapping windows: a sum of that many gradients.
    const bound = sumOfProductsTolerance(ref.maxPool2dBackward(abs(dy), x, c.options).dx.data, g.kernelH * g.kernelW);
    assertClose('maxPool2d dx', dx, ref.maxPool2dBackward(dy, x, c.options).dx, bound);
  },
});

export const avgPool2dEqualsReference = defineProperty({
  id: 'avgpool2d-equals-reference',
  kind: 'conformance',
  statement: 'avgPool2d and its dx equal the reference within the error model (PyTorch\'s divisor, ceilMode, countIncludePad)',
  arbitrary: conformancePoolCases('avg').map((c) => c as AvgCase),
  async check(backend, c: AvgCase) {
    const x = float32Tensor(c.xShape, c.seed);
    const g = ref.resolvePool2d('avgPool2d', c.xShape, c.options, ref.AVG_POOL2D_OPTIONS);
    const terms = g.kernelH * g.kernelW;
    const y = await backend.avgPool2d(x, c.options);
    assertFloat32('avgPool2d', y);
    const expected = ref.avgPool2d(x, c.options);
    assertClose('avgPool2d', y, expected, sumOfProductsTolerance(ref.avgPool2d(abs(x), c.options).data, terms));
    const dy = float32Tensor(expected.shape, c.seed + 1);
    const dx = (await backend.avgPool2dBackward(dy, x, c.options)).dx;
    assertFloat32('avgPool2d dx', dx);
    const bound = sumOfProductsTolerance(ref.avgPool2dBackward(abs(dy), x, c.options).dx.data, terms);
    assertClose('avgPool2d dx', dx, ref.avgPool2dBackward(dy, x, c.options).dx, bound);
  },
});
