/** conv2d forward and backward equal the reference within the float32 error model. */
import fc from 'fast-check';
import * as ref from '../../../reference/index.ts';
import { conv2dCase, type Conv2dCase } from '../../arbitraries/conv2dCase.ts';
import { deepConv2dCase } from '../../arbitraries/deepConv2dCase.ts';
import { expectConforms } from '../../judges.ts';
import { defineProperty } from '../../property.ts';
import { float32Tensor, type ValueKind } from '../../tensors.ts';

/** A conv2d case with how its values are drawn (uniform when absent, as in stored regressions). */
export type ValuedConv2dCase = Conv2dCase & { readonly values?: ValueKind };

/**
 * Batches big enough to be split: a backend may cut the batch into chunks of images (wasm-simd
 * claims chunks of up to 8 per thread from N = 16 on, and lays several images side by side in one
 * GEMM), so its chunk edges and its per-chunk weight-gradient sums must be judged too.
 */
const splitBatchConv2dCase = conv2dCase({ minBatch: 16, maxBatch: 40, maxChannelsPerGroup: 2, maxExtraSize: 4 });

/**
 * Rows of 16 to 30 outputs at unit stride (fewer at larger strides): backends vectorize along a row
 * (wasm-simd's weight gradient reads rows of 16 or more straight from the image, four columns per
 * f32x4, with a 1 to 3 column tail), and the other cases' rows are at most 7 long.
 */
const longRowConv2dCase = conv2dCase({ minExtraWidth: 15, maxExtraSize: 26, maxChannelsPerGroup: 2, maxGroups: 2 });

/** 1x1 kernels (a matrix product over channels), which backends often give a fast path of their own. */
const pointwiseConv2dCase = conv2dCase({ maxKernel: 1, maxGroups: 1, maxChannelsPerGroup: 6 });

/**
 * Mostly small mixed configurations; one in seven has a sum longer than 1000 terms, one in seven a
 * batch of 16 to 40, one in seven a 1x1 kernel, one in seven rows of 16 or more. One in three
 * draws values over 16 binades with random signs, so sums cancel and the bound's sum|x·w| is far
 * larger than the result: the error model must hold there too.
 */
export const conformanceConv2dCases: fc.Arbitrary<ValuedConv2dCase> = fc
  .tuple(
    fc.oneof(
      { withCrossShrink: true }, // a failing deep, batched, 1x1 or long-row case shrinks on to a small mixed one where that fails too
      { arbitrary: conv2dCase(), weight: 3 },
      { arbitrary: deepConv2dCase(), weight: 1 },
      { arbitrary: splitBatchConv2dCase, weight: 1 },
      { arbitrary: pointwiseConv2dCase, weight: 1 },
      { arbitrary: longRowConv2dCase, weight: 1 },
    ),
    fc.constantFrom<ValueKind>('uniform', 'uniform', 'cancelling'),
  )
  .map(([c, values]) => ({ ...c, values }));

/** The case's tensors, float32-representable. */
export function conv2dInputs(c: ValuedConv2dCase): { x: ref.Tensor; w: ref.Tensor; b: ref.Tensor | null } {
  const values = c.values ?? 'uniform';
  return {
    x: float32Tensor(c.xShape, c.seed, values),
    w: float32Tensor(c.weightShape, c.seed + 1, values),
    b: c.hasBias ? float32Tensor([c.weightShape[0]], c.seed + 2, values) : null,
  };
}

export const conv2dForwardEqualsReference = defineProperty({
  id: 'conv2d-forward-equals-reference',
  kind: 'conformance',
  uses: ['conv2d'],
  statement: 'conv2d(x, w, b) equals the float64 reference within (n+2)·2^-24·Σ|x·w| per output, n = Cin/groups·kh·kw + 1',
  arbitrary: conformanceConv2dCases,
  async check(backend, c: ValuedConv2dCase, context) {
    const { x, w, b } = conv2dInputs(c);
    await expectConforms(backend, 'conv2d', [x, w, b, c.options], context);
  },
});

/** A backward case; `inputGradient: false` (absent: true) asks for dw and db only, as a first layer does. */
export type Conv2dBackwardCase = ValuedConv2dCase & { readonly inputGradient?: false };

/** The conformance cases, one in four asking for no dx (a kernel that skips it must still get dw and db right). */
const conformanceConv2dBackwardCases: fc.Arbitrary<Conv2dBackwardCase> = fc
  .tuple(conformanceConv2dCases, fc.constantFrom(true, true, true, false))
  .map(([c, wantsDx]) => (wantsDx ? c : { ...c, inputGradient: false as const }));

export const conv2dBackwardEqualsReference = defineProperty({
  id: 'conv2d-backward-equals-reference',
  kind: 'conformance',
  uses: ['conv2dBackward'],
  statement: 'conv2dBackward gives dx, dw, db equal to the reference within the error model of each one\'s sum; with inputGradient: false, dx null or equal too',
  arbitrary: conformanceConv2dBackwardCases,
  async check(backend, c: Conv2dBackwardCase, context) {
    const { x, w } = conv2dInputs(c);
    const g = ref.resolveConv2d('conv2d', c.xShape, c.weightShape, null, c.options);
    const dy = float32Tensor([g.batch, g.outChannels, g.outH, g.outW], c.seed + 3, c.values ?? 'uniform');
    const options: ref.Conv2dBackwardOptions = c.inputGradient === false ? { ...c.options, inputGradient: false } : c.options;
    await expectConforms(backend, 'conv2dBackward', [dy, x, w, options], context);
  },
});
