/**
 * The registry: every operation family (see family.ts), in the order the suite runs them. The
 * suite's properties, the judges' expectations, the bad-input contract's calls, the mutants and the
 * command's per-operation table all derive from it.
 */
import { OPERATION_NAMES, type OperationName } from '../../kernels/backend.ts';
import { activationsFamily } from './activations/index.ts';
import { conv2dFamily } from './conv2d/index.ts';
import { denseFamily } from './dense/index.ts';
import type { OperationFamily, OperationRecord } from './family.ts';
import { lossFamily } from './loss/index.ts';
import { pool2dFamily } from './pool2d/index.ts';
import { sgdFamily } from './sgd/index.ts';

export const FAMILIES: readonly OperationFamily[] = [conv2dFamily, pool2dFamily, denseFamily, activationsFamily, lossFamily, sgdFamily];

/** The family `op` belongs to. */
export function familyOf(op: OperationName): OperationFamily {
  const family = FAMILIES.find((f) => f.operations[op] !== undefined);
  if (!family) throw new Error(`no operation family has '${op}': add its record to a family's operations.ts and the family to FAMILIES.`);
  return family;
}

/** Everything the harness knows about `op`. */
export function operationRecord(op: OperationName): OperationRecord {
  return familyOf(op).operations[op]!;
}

/** Every bad call of every operation, named '<operation>: <what is wrong>', with its arguments. */
export function badCalls(): { readonly name: string; readonly op: OperationName; readonly args: readonly unknown[] }[] {
  return OPERATION_NAMES.flatMap((op) => Object.entries(operationRecord(op).badCalls).map(([what, args]) => ({ name: `${op}: ${what}`, op, args })));
}
