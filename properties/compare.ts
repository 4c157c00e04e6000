/**
 * Assertions the properties use. They throw `PropertyViolation` (no test framework needed), so the
 * suite runs under vitest, from a script, or inside a browser page alike. Shape and dtype are
 * checked before values.
 */
import { formatShape, type Tensor } from '../reference/index';
import { worstViolation } from './tolerance';

export class PropertyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyViolation';
  }
}

export function assertThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new PropertyViolation(message);
}

export function assertShape(name: string, actual: Tensor, expected: readonly number[]): void {
  assertThat(
    Array.isArray(actual.shape) && actual.shape.length === expected.length && actual.shape.every((d, i) => d === expected[i]),
    `${name}: shape ${formatShape(actual.shape ?? [])}, expected ${formatShape(expected)}`,
  );
}

/** Kernel results are float32: a backend that returns another type is reported, not coerced. */
export function assertFloat32(name: string, actual: Tensor): void {
  assertThat(actual.data instanceof Float32Array, `${name}: data is ${actual.data?.constructor?.name}, expected Float32Array`);
}

/** Shape, then every element within its own bound `|actual - expected| <= bound[i]` (NaN must match NaN). */
export function assertClose(name: string, actual: Tensor, expected: Tensor, bound: ArrayLike<number>): void {
  assertShape(name, actual, expected.shape);
  const { ratio, index } = worstViolation(actual.data, expected.data, bound);
  assertThat(
    ratio <= 1,
    `${name}: element ${index} is ${actual.data[index]}, expected ${expected.data[index]} within ${bound[index]} ` +
      `(${ratio === Infinity ? 'NaN mismatch' : `${ratio.toPrecision(3)}x the bound`}), shape ${formatShape(expected.shape)}`,
  );
}

/** Shape, then equal values (integer-valued data makes these laws exact in float32). NaN equals NaN. */
export function assertEqual(name: string, actual: Tensor, expected: Tensor): void {
  assertClose(name, actual, expected, new Float64Array(expected.data.length));
}

/** Identical bits, element by element (determinism): -0 differs from 0, NaN payloads are not compared. */
export function assertSameBits(name: string, actual: Tensor, expected: Tensor): void {
  assertShape(name, actual, expected.shape);
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i];
    const b = expected.data[i];
    assertThat(Object.is(a, b), `${name}: element ${i} was ${b} on the first call and ${a} on the second`);
  }
}
