/**
 * Deliberately broken backends: the suite must catch every one (properties/tests/mutants.test.ts),
 * and every property must catch at least one, so none of them is a property a broken kernel passes.
 * Each mutant is the float32-rounded reference with one realistic kernel bug (in one operation, or
 * in a forward and its backward alike), written as the loop a kernel author would write, with the bug in place.
 */
import type { Backend } from '../kernels/backend.ts';
import type { Mutant } from './operations/family.ts';
import { FAMILIES } from './operations/index.ts';
import { createFloat32Reference } from './operations/mutantKit.ts';

export { createFloat32Reference, type Mutant };

/** Every family's mutants (properties/operations/<family>/mutants.ts), in the registry's order. */
export const MUTANTS: readonly Mutant[] = FAMILIES.flatMap((f) => f.mutants);

export const MUTANT_NAMES: readonly string[] = MUTANTS.map((m) => m.name);

/** The float32 reference with the named mutant's bug in place ('none': the control). */
export function createMutantBackend(name: string): Backend {
  if (name === 'none') return createFloat32Reference();
  const mutant = MUTANTS.find((m) => m.name === name);
  if (!mutant) throw new Error(`unknown mutant '${name}'. Known: ${MUTANT_NAMES.join(', ')}.`);
  return { ...createFloat32Reference(`mutant-${name}`), ...mutant.overrides() };
}
