/**
 * sigmoid, relu, softmax and logSoftmax, each forward and backward, and the softmax cross-entropy
 * loss, equal the reference. Inputs are drawn over value regimes that stress each one: moderate
 * values, sigmoid's saturating tails, large logits close together (the max shift's reason to exist),
 * wide and tiny magnitudes, ties, and NaN, ±Infinity and ±0 sprinkled in; the error models
 * (properties/tolerance.ts) scale with what the rounding really grows with.
 */
import fc from 'fast-check';
import * as ref from '../../reference/index';
import { assertClose, assertEqual, assertScalarClose, assertThat } from '../compare';
import { defineProperty } from '../property';
import { abs } from '../tensorOps';
import { FINITE_SPECIAL_VALUES, flushSubnormals, regimeTensor, type ValueKind, type ValueRegime } from '../tensors';
import {
  crossEntropyBackwardTolerance, crossEntropyTolerance, logSoftmaxBackwardTolerance, logSoftmaxTolerance, sigmoidTolerance,
  SMALLEST_NORMAL, softmaxTolerance, sumOfProductsTolerance,
} from '../tolerance';

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

/**
 * The reference's answer, and, as `orExpected`, the answer of hardware that flushes subnormals
 * (inputs and result read as zero): a kernel may give either, element by element.
 */
function answers(f: (...inputs: ref.Tensor[]) => ref.Tensor, ...inputs: ref.Tensor[]): { expected: ref.Tensor; orExpected: ref.Tensor } {
  return { expected: f(...inputs), orExpected: flushSubnormals(f(...inputs.map(flushSubnormals))) };
}

const float32 = (t: ref.Tensor): ref.Tensor => ({ shape: t.shape, data: Float32Array.from(t.data) });

/** dy·y·(1-y) and friends: three roundings of a product, and results under 2^-126 may flush. */
const productTolerance = (absolute: ref.Tensor, terms: number) => sumOfProductsTolerance(absolute.data, terms).map((b) => b + SMALLEST_NORMAL);

export const sigmoidEqualsReference = defineProperty({
  id: 'sigmoid-equals-reference',
  kind: 'conformance',
  statement: 'sigmoid and sigmoidBackward equal the reference: y within u·y·(3 + (3 + 2|x|)(1 - y)) (a GLSL exp\'s ulp), NaN kept, ±Infinity exact',
  arbitrary: rowsCase,
  async check(backend, c: RowsCase) {
    const { x, dy } = rowsInputs(c);
    const forward = answers(ref.sigmoid, x);
    const y = forward.expected;
    assertClose('sigmoid', await backend.sigmoid(x), y, sigmoidTolerance(x.data, y.data), forward);
    const y32 = float32(y);
    const backward = answers((g, out) => ref.sigmoidBackward(g, out).dx, dy, y32);
    const absolute = ref.sigmoidBackward(abs(dy), abs(y32)).dx;
    assertClose('sigmoidBackward dx', (await backend.sigmoidBackward(dy, y32)).dx, backward.expected, productTolerance(absolute, 3), backward);
  },
});

export const reluEqualsReference = defineProperty({
  id: 'relu-equals-reference',
  kind: 'conformance',
  statement: 'relu and reluBackward equal the reference exactly: NaN stays NaN, the gradient at 0 is 0, and at NaN it passes dy (PyTorch\'s x <= 0 ? 0 : dy)',
  arbitrary: rowsCase,
  async check(backend, c: RowsCase) {
    const { x, dy } = rowsInputs(c);
    const forward = answers(ref.relu, x);
    assertEqual('relu', await backend.relu(x), forward.expected, forward);
    const backward = answers((g, input) => ref.reluBackward(g, input).dx, dy, x);
    assertEqual('reluBackward dx', (await backend.reluBackward(dy, x)).dx, backward.expected, backward);
  },
});

export const softmaxEqualsReference = defineProperty({
  id: 'softmax-equals-reference',
  kind: 'conformance',
  statement: 'softmax and softmaxBackward equal the reference: y within u·y·(8 + 3|x - max| + 3C), whatever the logits\' magnitude',
  arbitrary: rowsCase,
  async check(backend, c: RowsCase) {
    const { x, dy } = rowsInputs(c);
    const forward = answers(ref.softmax, x);
    const y = forward.expected;
    assertClose('softmax', await backend.softmax(x), y, softmaxTolerance(x.data, y.data, c.columns), forward);
    const y32 = float32(y);
    // |dx_i| <= y_i (|dy_i| + Σ_j |dy_j| y_j): the absolute sum the rounding scales with.
    const scale = Float64Array.from(y32.data, (yi, i) => {
      const row = Math.floor(i / c.columns) * c.columns;
      let dot = 0;
      for (let j = 0; j < c.columns; j++) dot += Math.abs(dy.data[row + j]) * y32.data[row + j];
      return yi * (Math.abs(dy.data[i]) + dot);
    });
    const bound = sumOfProductsTolerance(scale, c.columns + 2).map((b) => b + SMALLEST_NORMAL);
    const backward = answers((g, out) => ref.softmaxBackward(g, out).dx, dy, y32);
    assertClose('softmaxBackward dx', (await backend.softmaxBackward(dy, y32)).dx, backward.expected, bound, backward);
  },
});

export const logSoftmaxEqualsReference = defineProperty({
  id: 'log-softmax-equals-reference',
  kind: 'conformance',
  statement: 'logSoftmax and logSoftmaxBackward equal the reference: y within u·(|x - max| + |y| + 3·log Σ + 3C + 10), the shifted value, not |x|',
  arbitrary: rowsCase,
  async check(backend, c: RowsCase) {
    const { x, dy } = rowsInputs(c);
    const forward = answers(ref.logSoftmax, x);
    const y = forward.expected;
    assertClose('logSoftmax', await backend.logSoftmax(x), y, logSoftmaxTolerance(x.data, y.data, c.columns), forward);
    const y32 = float32(y);
    const backward = answers((g, out) => ref.logSoftmaxBackward(g, out).dx, dy, y32);
    const bound = logSoftmaxBackwardTolerance(dy.data, y32.data, backward.expected.data, c.columns);
    assertClose('logSoftmaxBackward dx', (await backend.logSoftmaxBackward(dy, y32)).dx, backward.expected, bound, backward);
  },
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
  statement: 'crossEntropy (mean over the batch), its gradient and accuracy (ties to the first maximum) equal the reference, for logits of any magnitude',
  arbitrary: rowsCase,
  async check(backend, c: RowsCase) {
    const { x: logits } = rowsInputs(c);
    const labels = rowsLabels(c, logits);
    const flushed = flushSubnormals(logits);
    const expected = ref.crossEntropy(logits, labels);
    const logProbabilities = ref.logSoftmax(logits);
    const bound = crossEntropyTolerance(logits.data, labels, c.columns, logProbabilities.data);
    assertScalarClose('crossEntropy', await backend.crossEntropy(logits, labels), expected, bound, ref.crossEntropy(flushed, labels));
    const gradient = answers((l) => ref.crossEntropyBackward(l, labels).dlogits, logits);
    const p = ref.softmax(logits);
    const dlogits = (await backend.crossEntropyBackward(logits, labels)).dlogits;
    assertClose('crossEntropyBackward dlogits', dlogits, gradient.expected, crossEntropyBackwardTolerance(logits.data, p.data, gradient.expected.data, c.columns), gradient);
    const accuracy = await backend.accuracy(logits, labels);
    const want = [ref.accuracy(logits, labels), ref.accuracy(flushed, labels)];
    assertThat(want.includes(accuracy), `accuracy: ${accuracy}, expected ${want[0]} (ties go to the first maximum)`);
  },
});
