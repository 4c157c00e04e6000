/**
 * The one comparator: every output of every property, and the bench's correctness check, go through
 * `compareTensors`. It checks, in this order, that the result is a tensor, its shape, its data length,
 * its data type, where it has NaN, and then every value within its own bound; the message says which
 * check failed. Assertions throw `PropertyViolation` (no test framework needed), so the suite runs
 * under vitest, from a script, or inside a browser page alike.
 *
 * Values: NaN must meet NaN; infinities must be equal; zeros compare equal whatever their sign (the
 * bits are compared by `assertSameBits` only); otherwise `|actual - expected| <= bound`.
 */
import { formatShape, type Tensor } from '../reference/index.ts';

export class PropertyViolation extends Error {
  /** The one call that broke a conformance property, where there is one (its repro). */
  readonly call?: { readonly op: string; readonly args: readonly unknown[] };
  constructor(message: string, call?: { readonly op: string; readonly args: readonly unknown[] }) {
    super(message);
    this.name = 'PropertyViolation';
    if (call) this.call = call;
  }
}

export function assertThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new PropertyViolation(message);
}

/** What a comparison found wrong first. */
export type MismatchKind = 'not a tensor' | 'shape' | 'length' | 'dtype' | 'NaN placement' | 'value';

export interface Comparison {
  readonly ok: boolean;
  /** The first check that failed (absent when `ok`). */
  readonly kind?: MismatchKind;
  /**
   * The worst `|actual - expected| / bound` over the elements: <= 1 passes. Infinity for a structural
   * mismatch, NaN placement, a wrong infinity, or any difference under a zero bound.
   */
  readonly ratio: number;
  /** Flat index of the worst element (-1 when none differs or the structure is wrong). */
  readonly index: number;
  /** Elements outside their bound. */
  readonly mismatches: number;
  /** For a failure, what is wrong, in words: the name, the check, the element, the values. */
  readonly message: string;
}

export interface CompareOptions {
  /**
   * The data type the result must have. Default 'float32': every kernel result is float32. 'any' for
   * laws, which compare a backend with itself and also run on the float64 reference.
   */
  readonly dtype?: 'float32' | 'any';
  /**
   * A second acceptable answer, element by element, within the same bound: the reference on inputs
   * with subnormals flushed to zero (`flushSubnormals`), for hardware that flushes them. Default none.
   */
  readonly orExpected?: Tensor;
}

/** `[n, c, h, w]` of flat index `i` in `shape`. */
function multiIndex(shape: readonly number[], i: number): string {
  const index: number[] = [];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index.unshift(i % shape[axis]);
    i = Math.floor(i / shape[axis]);
  }
  return `[${index.join(', ')}]`;
}

function isTensorLike(t: unknown): t is Tensor {
  const v = t as Tensor | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.shape) && typeof v.data === 'object' && v.data !== null && typeof v.data.length === 'number';
}

/** Laws compare a backend with itself and also run on the float64 reference: any data type. */
export const ANY_DTYPE: CompareOptions = { dtype: 'any' };

/**
 * `|actual - expected| <= bound` for finite values only: an infinity must be met exactly, whatever
 * the bound (a bound is infinite where its sum is), and an infinite result never passes for a finite one.
 */
const withinBound = (actual: number, expected: number, bound: number) =>
  Number.isFinite(expected) && Number.isFinite(actual) && Math.abs(actual - expected) <= bound;

const structural = (kind: MismatchKind, message: string): Comparison => ({ ok: false, kind, ratio: Infinity, index: -1, mismatches: -1, message });

/**
 * Compares `actual` with `expected` element by element, each within its own bound (`bound[i]`, or one
 * number for all; default 0: exact).
 */
export function compareTensors(name: string, actual: unknown, expected: Tensor, bound: ArrayLike<number> | number = 0, options: CompareOptions = {}): Comparison {
  const { dtype = 'float32', orExpected } = options;
  if (!isTensorLike(actual)) return structural('not a tensor', `${name}: expected a tensor { shape, data }; got ${describeValue(actual)}`);
  const shapeMatches = actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
  if (!shapeMatches) return structural('shape', `${name}: shape ${formatShape(actual.shape)}, expected ${formatShape(expected.shape)}`);
  const length = expected.data.length;
  if (actual.data.length !== length) {
    return structural('length', `${name}: data has ${actual.data.length} elements, but its shape ${formatShape(actual.shape)} needs ${length}`);
  }
  if (dtype === 'float32' && !(actual.data instanceof Float32Array)) {
    return structural('dtype', `${name}: data is ${actual.data.constructor?.name ?? typeof actual.data}, expected Float32Array`);
  }
  const limit = (i: number) => (typeof bound === 'number' ? bound : bound[i]);
  let ratio = 0;
  let index = -1;
  let mismatches = 0;
  let nanIndex = -1;
  for (let i = 0; i < length; i++) {
    const a = actual.data[i];
    const e = expected.data[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue; // equal infinities and ±0 included
    const b = limit(i);
    const alternative = orExpected?.data[i];
    if (alternative !== undefined && (a === alternative || (Number.isNaN(a) && Number.isNaN(alternative)) || withinBound(a, alternative, b))) continue;
    if (Number.isNaN(a) !== Number.isNaN(e)) {
      mismatches++;
      if (nanIndex < 0) nanIndex = i;
      continue;
    }
    const error = Math.abs(a - e);
    const within = withinBound(a, e, b);
    const r = within ? error / b : Number.isFinite(e) && b > 0 ? error / b : Infinity;
    if (!within) mismatches++;
    if (r > ratio || index < 0) {
      ratio = r;
      index = i;
    }
  }
  const at = (i: number) => `element ${i} ${multiIndex(expected.shape, i)} of ${formatShape(expected.shape)}`;
  const of = `${mismatches} of ${length} elements wrong`;
  if (nanIndex >= 0) {
    return {
      ok: false, kind: 'NaN placement', ratio: Infinity, index: nanIndex, mismatches,
      message: `${name}: NaN placement: ${at(nanIndex)} is ${actual.data[nanIndex]}, expected ${expected.data[nanIndex]} (${of})`,
    };
  }
  if (mismatches === 0) return { ok: true, ratio: Number.isNaN(ratio) ? 0 : ratio, index, mismatches, message: '' };
  const b = limit(index);
  const within = Number.isNaN(b) ? 'within a NaN bound (the error model could not be computed here)'
    : b > 0 ? `within ${b.toPrecision(3)} (${ratio === Infinity ? 'a wrong infinity' : `${ratio.toPrecision(3)}x the bound`})` : 'exactly';
  return {
    ok: false, kind: 'value', ratio, index, mismatches,
    message: `${name}: value: ${at(index)} is ${actual.data[index]}, expected ${expected.data[index]} ${within} (${of})`,
  };
}

const scalar = (v: number): Tensor => ({ shape: [1], data: Float64Array.of(v) });

/** A scalar result (a loss) compared like a one-element tensor; `orExpected` as for tensors. */
export function compareScalars(name: string, actual: unknown, expected: number, bound: number, orExpected?: number): Comparison {
  if (typeof actual !== 'number') return structural('not a tensor', `${name}: expected a number; got ${describeValue(actual)}`);
  return compareTensors(name, scalar(actual), scalar(expected), bound, { dtype: 'any', orExpected: orExpected === undefined ? undefined : scalar(orExpected) });
}

function describeValue(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  const keys = Object.keys(v).slice(0, 5).join(', ');
  return `${v.constructor?.name ?? 'object'} { ${keys} }`;
}

/** Throws the comparison's message unless it passed. */
export function assertComparison(c: Comparison): void {
  if (!c.ok) throw new PropertyViolation(c.message);
}

/** Shape, length, dtype (float32 by default), NaN placement, then every element within its own bound. */
export function assertClose(name: string, actual: unknown, expected: Tensor, bound: ArrayLike<number> | number, options?: CompareOptions): void {
  assertComparison(compareTensors(name, actual, expected, bound, options));
}

/** `assertClose` with a zero bound (integer-valued data makes the laws exact in float32; pools select values). */
export function assertEqual(name: string, actual: unknown, expected: Tensor, options?: CompareOptions): void {
  assertComparison(compareTensors(name, actual, expected, 0, options));
}

/** Just the shape (laws whose values are checked another way). */
export function assertShape(name: string, actual: Tensor, expected: readonly number[]): void {
  assertThat(
    Array.isArray(actual?.shape) && actual.shape.length === expected.length && actual.shape.every((d, i) => d === expected[i]),
    `${name}: shape ${formatShape(actual?.shape ?? [])}, expected ${formatShape(expected)}`,
  );
}

const signed = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

/**
 * Identical bits, element by element: -0 differs from 0, NaN payloads are not compared. `was` and
 * `now` say what the two are (default: the first call and the second, as determinism compares them).
 */
export function assertSameBits(name: string, actual: Tensor, expected: Tensor, was = 'on the first call', now = 'on the second'): void {
  assertClose(name, actual, expected, 0, { dtype: 'any' });
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i];
    const b = expected.data[i];
    assertThat(Object.is(a, b), `${name}: element ${i} was ${signed(b)} ${was} and ${signed(a)} ${now}`);
  }
}
