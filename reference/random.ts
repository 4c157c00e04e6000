import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { OperatorInputError } from './errors.ts';

/**
 * A seeded random source whose whole state can be saved and restored (a training checkpoint needs
 * that). Built on pure-rand's xoroshiro128+, the generator fast-check itself uses.
 */
export interface SeededRandom {
  /** Uniform in [0, 1), 53 random bits. */
  uniform(): number;
  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  integer(n: number): number;
  /** The generator's state, to resume exactly with {@link restoreRandom}. */
  state(): number[];
}

function wrap(generator: ReturnType<typeof xoroshiro128plus>): SeededRandom {
  const self: SeededRandom = {
    uniform: () => uniformFloat64(generator),
    uniformIn: (low, high) => low + (high - low) * uniformFloat64(generator),
    normal: () => {
      const u = 1 - uniformFloat64(generator); // (0, 1]: log stays finite
      const v = uniformFloat64(generator);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    integer: (n) => Math.floor(uniformFloat64(generator) * n),
    state: () => [...generator.getState()],
  };
  return self;
}

/** A new generator from an integer seed; the same seed gives the same sequence on every machine. */
export function createRandom(seed: number): SeededRandom {
  if (!Number.isInteger(seed)) {
    throw new OperatorInputError('createRandom', `seed must be an integer; got ${seed}.`);
  }
  return wrap(xoroshiro128plus(seed));
}

/** A generator that continues exactly where the one that produced `state` stopped. */
export function restoreRandom(state: readonly number[]): SeededRandom {
  return wrap(xoroshiro128plusFromState(state));
}
