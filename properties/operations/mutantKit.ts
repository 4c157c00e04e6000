/**
 * What the families' mutants are made from: the float32-rounded reference behind the backend
 * interface (the control, which must pass everything) and small helpers for writing a kernel's bug.
 */
import * as ref from '../../reference/index.ts';
import { OPERATION_NAMES, type Backend } from '../../kernels/backend.ts';
import { createReferenceBackend } from '../../kernels/referenceBackend.ts';

export const f32 = (t: ref.Tensor): ref.Tensor => ({ shape: t.shape, data: Float32Array.from(t.data) });
/** Every gradient of a result in float32 (one not asked for, null, stays null). */
export const grads = <T extends object>(g: T): T => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v === null ? null : f32(v as ref.Tensor)])) as T;
export const fr = Math.fround;

/** Row-wise [N, C] helper: calls `row(values, offset)` for each row. */
export function rowsOf(x: ref.Tensor, row: (values: number[], offset: number) => void): void {
  const [N, C] = x.shape;
  for (let n = 0; n < N; n++) row(Array.from(x.data.subarray(n * C, (n + 1) * C)), n * C);
}

/** A result with every tensor in it rounded to float32 (a tensor, or an object of them: { dx, dw, db }); numbers as they are. */
function float32Result(result: unknown): unknown {
  if (typeof result !== 'object' || result === null) return result;
  if ('shape' in result && 'data' in result) return f32(result as ref.Tensor);
  return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, float32Result(v)]));
}

/**
 * The reference behind the backend interface with float32 results: the control, which must pass
 * everything. Every operation of the interface, with no list to keep: the reference's result, rounded.
 */
export function createFloat32Reference(name = 'reference-float32'): Backend {
  const reference = createReferenceBackend();
  const operations = OPERATION_NAMES.map((op) => [op, async (...args: unknown[]) => float32Result(await (reference[op] as (...a: unknown[]) => Promise<unknown>)(...args))]);
  // oracle false: float32 results, a backend to judge, not the reference.
  return { ...reference, ...Object.fromEntries(operations), name, oracle: false } as Backend;
}
