import { createRandom, fromFlat, sizeOf, type Tensor } from '../reference/index';

/** How generated tensor values are drawn. */
export type ValueKind =
  /** Uniform in [-1, 1). */
  | 'uniform'
  /** Small integers in [-4, 4]: sums of their products are exact in float32, so checks can be exact. */
  | 'integer'
  /** Distinct values at least 1/64 apart, shuffled: no ties or kinks for max pooling and relu. */
  | 'distinct'
  /** Random signs and magnitudes over 2^-6 .. 2^10: sums cancel, so |sum| << sum|terms|. */
  | 'cancelling';

/** A float64 tensor whose values are a pure function of (shape, seed, kind). */
export function seededTensor(shape: readonly number[], seed: number, kind: ValueKind = 'uniform'): Tensor {
  const random = createRandom(seed);
  const size = sizeOf(shape);
  if (kind === 'distinct') {
    const values = Array.from({ length: size }, (_, i) => (i - size / 2) / 64 + 1 / 256);
    for (let i = size - 1; i > 0; i--) {
      const j = random.integer(i + 1);
      [values[i], values[j]] = [values[j], values[i]];
    }
    return fromFlat(shape, values);
  }
  const draws: Record<Exclude<ValueKind, 'distinct'>, () => number> = {
    uniform: () => random.uniformIn(-1, 1),
    integer: () => random.integer(9) - 4,
    cancelling: () => (random.integer(2) * 2 - 1) * 2 ** (random.integer(17) - 6) * (1 + random.uniform()),
  };
  const draw = draws[kind];
  return fromFlat(shape, Array.from({ length: size }, draw));
}

/** `seededTensor` scaled and rounded to float32, so a kernel sees exactly the values the reference sees. */
export function float32Tensor(shape: readonly number[], seed: number, kind: ValueKind = 'uniform', scale = 1): Tensor {
  const t = seededTensor(shape, seed, kind);
  return { shape: t.shape, data: Float32Array.from(t.data, (v) => v * scale) };
}
