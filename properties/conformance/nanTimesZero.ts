/**
 * NaN times zero: a product with a NaN or ±Infinity factor is NaN even when the other factor is an
 * exact zero (IEEE 754, PyTorch). A kernel that skips zero weights, zero inputs or zero gradients
 * (a common sparsity shortcut) gives a number there instead. nan-propagates-like-reference puts
 * non-finite values in x against random (never zero) weights, so it cannot see that.
 *
 * The windows are unpadded: whether a non-finite weight reaches an output through a tap over
 * padding is a separate rule (README, "Batched layers"), on which PyTorch's own algorithms differ.
 */
import fc from 'fast-check';
import * as ref from '../../reference/index.ts';
import { conv2dCase, type Conv2dCase } from '../arbitraries/conv2dCase.ts';
import { expectConforms } from '../judges.ts';
import { defineProperty } from '../property.ts';
import { withNaNs } from './nan.ts';
import { float32Tensor } from '../tensors.ts';

/** Which operand gets the specials and which the zeros, in which pass. */
export type NanTimesZeroPairing =
  | 'x-special, w-zero' | 'w-special, x-zero' // forward
  | 'x-special, dy-zero' | 'w-special, dy-zero' | 'dy-special, x-zero' | 'dy-special, w-zero'; // backward: dw, dx, dw, dx

export interface NanTimesZeroCase {
  readonly c: Conv2dCase;
  readonly pairing: NanTimesZeroPairing;
  /** Every `zeroEvery`-th element of the zero operand is an exact zero (1: all of them). */
  readonly zeroEvery: 1 | 2 | 3;
  /** Positions (taken modulo the operand's size), each with its special, as nan-propagates-like-reference writes them (withNaNs: 0-3 NaN, 4 +Infinity, 5 -Infinity). */
  readonly specials: readonly (readonly [number, number])[];
}

const PAIRINGS: readonly NanTimesZeroPairing[] = ['x-special, w-zero', 'w-special, x-zero', 'x-special, dy-zero', 'w-special, dy-zero', 'dy-special, x-zero', 'dy-special, w-zero'];

export const nanTimesZeroCases: fc.Arbitrary<NanTimesZeroCase> = fc.record({
  c: conv2dCase({ maxPadding: 0 }),
  pairing: fc.constantFrom(...PAIRINGS),
  zeroEvery: fc.constantFrom(1 as const, 2 as const, 3 as const),
  specials: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 3 }),
});

function withZeros(t: ref.Tensor, every: number): ref.Tensor {
  const data = Float32Array.from(t.data);
  for (let i = 0; i < data.length; i += every) data[i] = 0;
  return { shape: t.shape, data };
}

/** The case's x, w and dy: one operand with specials, one with zeros, the third as drawn. */
export function nanTimesZeroInputs(t: NanTimesZeroCase): { x: ref.Tensor; w: ref.Tensor; dy: ref.Tensor; backward: boolean } {
  const { c } = t;
  const [special, zero] = t.pairing.split(', ').map((s) => s.split('-')[0]) as ['x' | 'w' | 'dy', 'x' | 'w' | 'dy'];
  const g = ref.resolveConv2d('conv2d', c.xShape, c.weightShape, null, c.options);
  const outShape = [g.batch, g.outChannels, g.outH, g.outW];
  const drawn = { x: float32Tensor(c.xShape, c.seed), w: float32Tensor(c.weightShape, c.seed + 1), dy: float32Tensor(outShape, c.seed + 2) };
  const pick = (name: 'x' | 'w' | 'dy') => (name === special ? withNaNs(drawn[name], t.specials) : name === zero ? withZeros(drawn[name], t.zeroEvery) : drawn[name]);
  return { x: pick('x'), w: pick('w'), dy: pick('dy'), backward: special === 'dy' || zero === 'dy' };
}

export const nanTimesZero = defineProperty({
  id: 'nan-times-zero-is-nan',
  kind: 'conformance',
  uses: ['conv2d', 'conv2dBackward'],
  partial: true,
  statement: 'a NaN or ±Infinity times an exact zero is NaN: conv2d and conv2dBackward with zeros in one factor and specials in the other give NaN and ±Infinity exactly where the reference does (no zero skipped), on unpadded windows',
  arbitrary: nanTimesZeroCases,
  async check(backend, t: NanTimesZeroCase, context) {
    const { x, w, dy, backward } = nanTimesZeroInputs(t);
    if (backward) await expectConforms(backend, 'conv2dBackward', [dy, x, w, t.c.options], context);
    else await expectConforms(backend, 'conv2d', [x, w, null, t.c.options], context);
  },
});
