/**
 * How each operation's result is judged: the reference's answer on the arguments the operation
 * received, and the bound of its error model (properties/tolerance.ts), through the one comparator.
 * What each operation's answer and bound are lives in its family's folder (properties/operations/);
 * the conformance properties, the bench's per-operation checks and its replay of a training step
 * all judge through here. `EXPECTATIONS[op](args, label)` computes, once, what each
 * output should be (conv2dBackward: dx, dw, db) within what bound; `judge` compares a result with
 * them. `label` prefixes every name (e.g. 'conv1 ').
 */
import type * as ref from '../reference/index.ts';
import { NotImplementedError, OPERATION_NAMES, type Backend, type OperationName } from '../kernels/backend.ts';
import type { CheckContext } from './property.ts';
import { compareScalars, compareTensors, PropertyViolation, type Comparison } from './compare.ts';
import type { Expect, Expectation } from './operations/family.ts';
import { operationRecord } from './operations/index.ts';

type T = ref.Tensor;
export type { OperationName };

export type { Expect, Expectation };

/** A member of a result (`dx` of `{ dx }`), for the comparator to judge whatever it is. */
const member = (result: unknown, key: string | number): unknown => (typeof result === 'object' && result !== null ? (result as Record<string | number, unknown>)[key] : undefined);

/** A result against its expectations, one comparison each. */
export function judge(expectations: readonly Expectation[], result: unknown): Comparison[] {
  return expectations.map((e) => {
    const actual = e.part === undefined ? result : member(result, e.part);
    if (e.mayBeNull && (actual === null || actual === undefined)) return { ok: true, ratio: 0, index: -1, mismatches: 0, message: '' };
    if (typeof e.expected === 'number') {
      return compareScalars(e.name, actual, e.expected, e.bound as number, e.orExpected as number | undefined);
    }
    return compareTensors(e.name, actual, e.expected, e.bound, { orExpected: e.orExpected as T | undefined });
  });
}
/**
 * What each operation's result should be (`EXPECTATIONS[op](args, label)`), from the operation's
 * record in its family's folder (properties/operations/): looked up when called, so this module and
 * the families' properties, which call `expectConforms`, can import each other.
 */
export const EXPECTATIONS: Readonly<Record<OperationName, Expect>> = Object.freeze(
  Object.fromEntries(OPERATION_NAMES.map((op) => [op, (args: readonly unknown[], label?: string) => operationRecord(op).expect(args, label)])) as Record<OperationName, Expect>,
);

/** Throws the first failed comparison's message (a property's verdict); tells `context` every ratio. */
export function assertJudged(comparisons: readonly Comparison[], context?: Pick<CheckContext, 'observe'>): void {
  for (const c of comparisons) context?.observe?.(c.ratio);
  const failure = comparisons.find((c) => !c.ok);
  if (failure) throw new PropertyViolation(failure.message);
}

/**
 * Calls `op` on the backend with `args` and judges its result: the conformance check of one call.
 * The expectations come from a copy of the arguments taken before the call, and the arguments must
 * be unchanged after it (tensors, options, labels), so a kernel that writes into its inputs is caught
 * here rather than judged on what it wrote. An operation a partial backend does not implement is
 * skipped (undefined): the property judges the rest.
 */
export async function expectConforms(backend: Backend, op: OperationName, args: readonly unknown[], context?: Pick<CheckContext, 'observe'>): Promise<unknown> {
  const before = structuredClone(args);
  const expectations = EXPECTATIONS[op](before);
  const method = backend[op] as (...a: unknown[]) => Promise<unknown>;
  const result = await ifImplemented(() => method.apply(backend, [...args]));
  if (result === undefined) return undefined;
  const call = { op, args: before };
  assertUnchanged(op, args, before, call);
  const comparisons = judge(expectations, result);
  for (const c of comparisons) context?.observe?.(c.ratio);
  const failure = comparisons.find((c) => !c.ok);
  if (failure) throw new PropertyViolation(failure.message, call);
  return result;
}

/** Every argument as it was (bits for tensor data, and options, labels and shapes member by member). */
export function assertUnchanged(op: string, args: readonly unknown[], before: readonly unknown[], call?: PropertyViolation['call']): void {
  const same = (a: unknown, b: unknown): boolean => {
    if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
      const x = a as unknown as ArrayLike<number>;
      const y = b as unknown as ArrayLike<number>;
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i]) && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return false;
      return true;
    }
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
    if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      return [...keys].every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
    }
    return Object.is(a, b);
  };
  args.forEach((arg, i) => {
    if (!same(arg, before[i])) throw new PropertyViolation(`${op}: wrote into its argument ${i} (${JSON.stringify(before[i], (_, v) => (ArrayBuffer.isView(v) ? `<${(v as unknown as ArrayLike<number>).length} values>` : v)).slice(0, 120)}): an operation must not change its inputs`, call);
  });
}

/** `call()`, or undefined when it calls an operation the backend does not implement (a partial backend). */
export async function ifImplemented<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof NotImplementedError) return undefined;
    throw error;
  }
}
