import { createRandom, fromFlat, sizeOf, type Tensor } from '../reference/index.ts';

/** How generated tensor values are drawn. */
export type ValueKind =
  /** Uniform in [-1, 1). */
  | 'uniform'
  /** Uniform in [0.5, 1): sums that cannot cancel, so any term a kernel drops from a long sum shows, whatever the bound. */
  | 'positive'
  /** Small integers in [-4, 4]: sums of their products are exact in float32, so checks can be exact. */
  | 'integer'
  /** Distinct values at least 1/64 apart, shuffled: no ties or kinks for max pooling and relu. */
  | 'distinct'
  /** Random signs and magnitudes over 2^-6 .. 2^10: sums cancel, so |sum| << sum|terms|. */
  | 'cancelling'
  /** Uniform in [-4, 4): where activations and softmax are well inside their range. */
  | 'moderate'
  /** Uniform in [-120, 120): sigmoid's flat tails, exp overflowing and underflowing float32. */
  | 'saturating'
  /** One large offset (±2^7 .. ±2^14) plus uniform [-8, 8): large logits close together, where the max shift matters. */
  | 'offset'
  /** Random signs and magnitudes over 2^-24 .. 2^14: large and small at once. */
  | 'wide'
  /** Random signs and magnitudes over 2^-149 .. 2^-100: subnormals and the smallest normals. */
  | 'tiny'
  /** Integers in [-2, 2]: ties everywhere (equal maxima, equal logits) and exact zeros. */
  | 'ties';


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
  const sign = () => random.integer(2) * 2 - 1;
  // Drawn first only for 'offset', so every other kind's values stay what they were.
  const offset = kind === 'offset' ? sign() * 2 ** (7 + random.integer(8)) * (1 + random.uniform()) : 0;
  const draws: Record<Exclude<ValueKind, 'distinct'>, () => number> = {
    uniform: () => random.uniformIn(-1, 1),
    positive: () => random.uniformIn(0.5, 1),
    integer: () => random.integer(9) - 4,
    cancelling: () => sign() * 2 ** (random.integer(17) - 6) * (1 + random.uniform()),
    moderate: () => random.uniformIn(-4, 4),
    saturating: () => random.uniformIn(-120, 120),
    offset: () => offset + random.uniformIn(-8, 8),
    wide: () => sign() * 2 ** (random.integer(39) - 24) * (1 + random.uniform()),
    tiny: () => sign() * 2 ** (random.integer(50) - 149) * (1 + random.uniform()),
    ties: () => random.integer(5) - 2,
  };
  const draw = draws[kind];
  return fromFlat(shape, Array.from({ length: size }, draw));
}

/** `seededTensor` scaled and rounded to float32, so a kernel sees exactly the values the reference sees. */
export function float32Tensor(shape: readonly number[], seed: number, kind: ValueKind = 'uniform', scale = 1): Tensor {
  const t = seededTensor(shape, seed, kind);
  return { shape: t.shape, data: Float32Array.from(t.data, (v) => v * scale) };
}

/** The values that break kernels which assume finite, nonzero input. */
export const SPECIAL_VALUES: readonly number[] = [NaN, Infinity, -Infinity, -0, 0];

/** NaN, ±0: the special values of an upstream gradient (see `regimeTensor`). */
export const FINITE_SPECIAL_VALUES: readonly number[] = [NaN, -0, 0];

/**
 * A copy of `t` with about one element in `every` (at least one) replaced by a special value (NaN,
 * ±Infinity, ±0), at seeded positions.
 */
export function withSpecials(t: Tensor, seed: number, every = 6, specials: readonly number[] = SPECIAL_VALUES): Tensor {
  const random = createRandom(seed);
  const data = Float32Array.from(t.data);
  const count = Math.max(1, Math.round(data.length / every));
  for (let k = 0; k < count; k++) data[random.integer(data.length)] = specials[random.integer(specials.length)];
  return { shape: t.shape, data };
}

/**
 * `t` with every value made negative (-|v|): with 'offset' values, windows whose maximum is far below
 * zero, where a max pool that starts from a sentinel other than -Infinity shows.
 */
export function belowZero(t: Tensor): Tensor {
  return { shape: t.shape, data: Float32Array.from(t.data, (v) => -Math.abs(v)) };
}

/** How a generated tensor's values are drawn: a kind, and whether special values are sprinkled in. */
export interface ValueRegime {
  readonly values: ValueKind;
  /** NaN, ±Infinity and ±0 at about one element in six. */
  readonly specials: boolean;
}

/**
 * The float32 tensor of a regime. Upstream gradients take `FINITE_SPECIAL_VALUES`: an infinite
 * gradient times a factor that underflows float32 is NaN in float32 but ±Infinity in the float64
 * reference, an indeterminate case no float32 kernel can be held to.
 */
export function regimeTensor(shape: readonly number[], seed: number, regime: ValueRegime, specials: readonly number[] = SPECIAL_VALUES): Tensor {
  const t = float32Tensor(shape, seed, regime.values);
  return regime.specials ? withSpecials(t, seed ^ 0x5eed, 6, specials) : t;
}

/**
 * `t` with every subnormal (|v| < 2^-126) replaced by a zero of its sign: what hardware that flushes
 * subnormals (GPU shaders, x86 with FTZ/DAZ, PyTorch's set_flush_denormal) computes with. The suite
 * accepts a result computed either way (`CompareOptions.orExpected`).
 */
export function flushSubnormals(t: Tensor): Tensor {
  return { shape: t.shape, data: Float32Array.from(t.data, (v) => (v !== 0 && Math.abs(v) < 2 ** -126 ? (v < 0 ? -0 : 0) : v)) };
}
