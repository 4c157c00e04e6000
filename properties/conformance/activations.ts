/**
 * sigmoid, relu, softmax and logSoftmax, each forward and backward, and the softmax cross-entropy
 * loss, equal the reference. Inputs are drawn over value regimes that stress each one: moderate
 * values, sigmoid's saturating tails, large logits close together (the max shift's reason to exist),
 * wide and tiny magnitudes, ties, and NaN, ±Infinity and ±0 sprinkled in; the error models
 * (properties/tolerance.ts) scale with what the rounding really grows with.
 */
import fc from 'fast-check';
import * as ref from '../../reference/index.ts';
import { expectConforms } from '../judges.ts';
import { defineProperty } from '../property.ts';
import { FINITE_SPECIAL_VALUES, regimeTensor, type ValueKind, type ValueRegime } from '../tensors.ts';

export interface RowsCase {
  readonly rows: number;
  readonly columns: number;
  readonly seed: number;
  /** How x (the input, the logits) is drawn. Absent in older stored cases: moderate, no specials. */
  readonly x?: ValueRegime;
  /** How the upstream gradient dy is drawn. Absent: uniform, no specials. */
  readonly dy?: ValueRegime;
}

const INPUT_KINDS: readonly ValueKind[] = ['moderate', 'saturating', 'offset', 'wide', 'tiny', 'ties'];
const GRADIENT_KINDS: readonly ValueKind[] = ['uniform', 'wide', 'cancelling', 'ties'];

/** A regime: one of `kinds`, with NaN/±Infinity/±0 sprinkled in one case in `specialsOneIn`. */
export const valueRegime = (kinds: readonly ValueKind[], specialsOneIn: number): fc.Arbitrary<ValueRegime> =>
  fc.record({ values: fc.constantFrom(...kinds), specials: fc.integer({ min: 1, max: specialsOneIn }).map((k) => k === 1) });

/** Small rows mostly; one case in eight has hundreds of columns (long row sums). */
export const rowsCase: fc.Arbitrary<RowsCase> = fc.record({
  rows: fc.integer({ min: 1, max: 9 }),
  columns: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 13 }), weight: 7 }, { arbitrary: fc.integer({ min: 100, max: 400 }), weight: 1 }),
  seed: fc.integer(),
  x: valueRegime(INPUT_KINDS, 3),
  dy: valueRegime(GRADIENT_KINDS, 6),
});

const MODERATE: ValueRegime = { values: 'moderate', specials: false };
const UNIFORM: ValueRegime = { values: 'uniform', specials: false };

/** The case's input x and upstream gradient dy, float32. */
export function rowsInputs(c: RowsCase): { x: ref.Tensor; dy: ref.Tensor } {
  const shape = [c.rows, c.columns];
  return { x: regimeTensor(shape, c.seed, c.x ?? MODERATE), dy: regimeTensor(shape, c.seed + 1, c.dy ?? UNIFORM, FINITE_SPECIAL_VALUES) };
}

const float32 = (t: ref.Tensor): ref.Tensor => ({ shape: t.shape, data: Float32Array.from(t.data) });

/**
 * An activation's property: its forward on x, then its backward from what the reference says the
 * backward takes (the forward's output for sigmoid and the softmax family, the input x for relu).
 */
function forwardAndBackward(spec: {
  id: string; statement: string; forward: 'sigmoid' | 'relu' | 'softmax' | 'logSoftmax';
  backwardFrom: (x: ref.Tensor) => ref.Tensor;
}) {
  const backward = `${spec.forward}Backward` as const;
  return defineProperty({
    id: spec.id,
    kind: 'conformance',
    uses: [spec.forward, backward],
    partial: true,
    statement: spec.statement,
    arbitrary: rowsCase,
    async check(backend, c: RowsCase, context) {
      const { x, dy } = rowsInputs(c);
      await expectConforms(backend, spec.forward, [x], context);
      await expectConforms(backend, backward, [dy, spec.backwardFrom(x)], context);
    },
  });
}

export const sigmoidEqualsReference = forwardAndBackward({
  id: 'sigmoid-equals-reference',
  statement: 'sigmoid and sigmoidBackward equal the reference: y within u·y·(3 + 2(3 + 2|x|)(1 - y)) (a GLSL ES 3.00 exp\'s ulp), NaN kept, ±Infinity exact',
  forward: 'sigmoid',
  backwardFrom: (x) => float32(ref.sigmoid(x)),
});

export const reluEqualsReference = forwardAndBackward({
  id: 'relu-equals-reference',
  statement: 'relu and reluBackward equal the reference exactly: NaN stays NaN, the gradient at 0 is 0, and at NaN it passes dy (PyTorch\'s x <= 0 ? 0 : dy)',
  forward: 'relu',
  backwardFrom: (x) => x,
});

export const softmaxEqualsReference = forwardAndBackward({
  id: 'softmax-equals-reference',
  statement: 'softmax and softmaxBackward equal the reference: y within u·y·(13 + 5|x - max| + 3C), whatever the logits\' magnitude',
  forward: 'softmax',
  backwardFrom: (x) => float32(ref.softmax(x)),
});

export const logSoftmaxEqualsReference = forwardAndBackward({
  id: 'log-softmax-equals-reference',
  statement: 'logSoftmax and logSoftmaxBackward equal the reference: y within u·(|x - max| + |y| + 6·log Σ + 3C + 14), the shifted value, not |x|',
  forward: 'logSoftmax',
  backwardFrom: (x) => float32(ref.logSoftmax(x)),
});

/**
 * One label per row, a pure function of the case: odd rows a random class, even rows the row's first
 * maximum, so accuracy is decided by the tie rule wherever a row's maximum is tied.
 */
export function rowsLabels(c: RowsCase, logits: ref.Tensor): number[] {
  const random = ref.createRandom(c.seed + 2);
  return Array.from({ length: c.rows }, (_, n) => {
    const drawn = random.integer(c.columns);
    if (n % 2 === 1) return drawn;
    let best = 0;
    for (let k = 1; k < c.columns; k++) if (logits.data[n * c.columns + k] > logits.data[n * c.columns + best]) best = k;
    return best;
  });
}

export const crossEntropyEqualsReference = defineProperty({
  id: 'cross-entropy-equals-reference',
  kind: 'conformance',
  uses: ['crossEntropy', 'crossEntropyBackward', 'accuracy'],
  partial: true,
  statement: 'crossEntropy (mean over the batch), its gradient and accuracy (ties to the first maximum) equal the reference, for logits of any magnitude',
  arbitrary: rowsCase,
  async check(backend, c: RowsCase, context) {
    const { x: logits } = rowsInputs(c);
    const labels = rowsLabels(c, logits);
    await expectConforms(backend, 'crossEntropy', [logits, labels], context);
    await expectConforms(backend, 'crossEntropyBackward', [logits, labels], context);
    await expectConforms(backend, 'accuracy', [logits, labels], context);
  },
});
