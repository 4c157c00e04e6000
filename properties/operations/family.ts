/**
 * The unit the harness is organised by: an operation family (conv2d, pool2d, dense, activations,
 * loss, sgd), one folder under properties/operations/ that holds everything the harness knows about
 * its operations:
 *
 * - `operations.ts`: per operation, what its result should be within what bound (`expect`), one valid
 *   call (`sample`) and the bad calls it must reject (`badCalls`); its validation is the reference's
 *   `validate[op]`;
 * - `conformance.ts`: its kernel-equals-reference properties; `laws.ts`: the chapter's laws about it;
 * - `mutants.ts`: the realistic kernel bugs its properties must catch;
 * - `index.ts`: the family record below, which the registry (properties/operations/index.ts) lists.
 *
 * The suite's properties, the judges, the bad-input contract, the mutation matrix and the command's
 * per-operation table derive from the registry. Adding an operation to a family touches that folder,
 * besides the reference and the kernels.
 */
import type { Backend, OperationName } from '../../kernels/backend.ts';
import type * as ref from '../../reference/index.ts';
import type { BackendProperty } from '../property.ts';
import { flushSubnormals, float32Tensor } from '../tensors.ts';
import { SMALLEST_NORMAL } from '../tolerance.ts';

/** One output's expected value and bound. */
export interface Expectation {
  /** What the messages call it, e.g. 'conv1 conv2dBackward dw'. */
  readonly name: string;
  /** Where it is in the result: a key (`dx` of `{ dx }`), an index (sgd's parameters), or the result itself. */
  readonly part?: string | number;
  readonly expected: ref.Tensor | number;
  /** Per element, or one number for all (0: exact). */
  readonly bound: ArrayLike<number> | number;
  /** A second acceptable answer (the reference with subnormals flushed). */
  readonly orExpected?: ref.Tensor | number;
  /** The call did not ask for this output: null passes, anything else is judged (conv2dBackward's dx with `inputGradient: false`). */
  readonly mayBeNull?: boolean;
}

/** What each output of a call on `args` should be, within what bound; `label` prefixes every name (e.g. 'conv1 '). */
export type Expect = (args: readonly unknown[], label?: string) => Expectation[];

export interface OperationRecord {
  /** The reference's answer on `args` and the bound of the operation's float32 error model. */
  readonly expect: Expect;
  /** The arguments of one valid call. */
  readonly sample: () => readonly unknown[];
  /** Calls it must reject, by what is wrong ('x of rank 3'), as arguments; the reference rejects each. */
  readonly badCalls: Readonly<Record<string, readonly unknown[]>>;
}

/** A deliberately broken backend: its bug in words, and the properties that must catch it at the CI seed. */
export interface Mutant {
  readonly name: string;
  /** The bug, as a kernel author would make it. */
  readonly bug: string;
  /** Properties each of which must fail on this mutant (the test asserts each one). */
  readonly caughtBy: readonly string[];
  /** The operations that differ from the float32 reference. */
  readonly overrides: () => Partial<Backend>;
}

export interface OperationFamily {
  readonly name: string;
  /** Its operations, in the interface's order. */
  readonly operations: Readonly<Partial<Record<OperationName, OperationRecord>>>;
  /** The chapter's laws about it (run before the conformance properties). */
  readonly laws: readonly BackendProperty<any>[];
  /** Its kernel-equals-reference properties. */
  readonly conformance: readonly BackendProperty<any>[];
  readonly mutants: readonly Mutant[];
}

/** A float32 tensor of `shape` with seeded values, for samples and bad calls. */
export const t = (shape: number[], seed = 1): ref.Tensor => float32Tensor(shape, seed);

export const hasSubnormal = (x: ref.Tensor): boolean => x.data.some((v) => v !== 0 && Math.abs(v) < SMALLEST_NORMAL);

/**
 * The reference's answer on hardware that flushes subnormals (inputs and result read as zero), which
 * a kernel may give instead, element by element; none where nothing is subnormal (it would be the
 * expected answer itself, and costs as much as the operation).
 */
export function flushed(expected: ref.Tensor, f: (...inputs: ref.Tensor[]) => ref.Tensor, ...inputs: ref.Tensor[]): { orExpected?: ref.Tensor } {
  return [expected, ...inputs].some(hasSubnormal) ? { orExpected: flushSubnormals(f(...inputs.map(flushSubnormals))) } : {};
}
