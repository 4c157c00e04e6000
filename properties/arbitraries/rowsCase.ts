/**
 * Rows of values for the activations, softmax and the loss: [rows, columns], x (the input, the
 * logits) drawn from a value regime that stresses them (moderate, saturating tails, large logits close
 * together, wide and tiny magnitudes, ties; NaN, ±Infinity and ±0 sprinkled in), and an upstream
 * gradient dy from its own regime.
 */
import fc from 'fast-check';
import * as ref from '../../reference/index.ts';
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
