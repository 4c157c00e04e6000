/**
 * How each operation's result is judged: the reference's answer on the arguments the operation
 * received, and the bound of its error model (properties/tolerance.ts), through the one comparator.
 * One home per operation, used by the conformance properties, the bench's per-operation checks and
 * its replay of a training step alike. `EXPECTATIONS[op](args, label)` computes, once, what each
 * output should be (conv2dBackward: dx, dw, db) within what bound; `judge` compares a result with
 * them. `label` prefixes every name (e.g. 'conv1 ').
 */
import * as ref from '../reference/index.ts';
import { NotImplementedError, type Backend, type OperationName } from '../kernels/backend.ts';
import type { CheckContext } from './property.ts';
import { compareScalars, compareTensors, PropertyViolation, type Comparison } from './compare.ts';
import { abs } from './tensorOps.ts';
import { flushSubnormals } from './tensors.ts';
import {
  crossEntropyBackwardTolerance, crossEntropyTolerance, logSoftmaxBackwardTolerance, logSoftmaxTolerance, productTolerance, sgdTolerance,
  sigmoidTolerance, SMALLEST_NORMAL, softmaxBackwardTolerance, softmaxTolerance, sumOfProductsTolerance,
} from './tolerance.ts';

type T = ref.Tensor;
export type { OperationName };

/** One output's expected value and bound. */
export interface Expectation {
  /** What the messages call it, e.g. 'conv1 conv2dBackward dw'. */
  readonly name: string;
  /** Where it is in the result: a key (`dx` of `{ dx }`), an index (sgd's parameters), or the result itself. */
  readonly part?: string | number;
  readonly expected: T | number;
  /** Per element, or one number for all (0: exact). */
  readonly bound: ArrayLike<number> | number;
  /** A second acceptable answer (the reference with subnormals flushed). */
  readonly orExpected?: T | number;
}

export type Expect = (args: readonly unknown[], label?: string) => Expectation[];

/** A member of a result (`dx` of `{ dx }`), for the comparator to judge whatever it is. */
const member = (result: unknown, key: string | number): unknown => (typeof result === 'object' && result !== null ? (result as Record<string | number, unknown>)[key] : undefined);

/** A result against its expectations, one comparison each. */
export function judge(expectations: readonly Expectation[], result: unknown): Comparison[] {
  return expectations.map((e) => {
    const actual = e.part === undefined ? result : member(result, e.part);
    if (typeof e.expected === 'number') {
      return compareScalars(e.name, actual, e.expected, e.bound as number, e.orExpected as number | undefined);
    }
    return compareTensors(e.name, actual, e.expected, e.bound, { orExpected: e.orExpected as T | undefined });
  });
}
const hasSubnormal = (t: T) => t.data.some((v) => v !== 0 && Math.abs(v) < SMALLEST_NORMAL);

/**
 * The reference's answer on hardware that flushes subnormals (inputs and result read as zero), which
 * a kernel may give instead, element by element; none where nothing is subnormal (it would be the
 * expected answer itself, and costs as much as the operation).
 */
function flushed(expected: T, f: (...inputs: T[]) => T, ...inputs: T[]): { orExpected?: T } {
  return [expected, ...inputs].some(hasSubnormal) ? { orExpected: flushSubnormals(f(...inputs.map(flushSubnormals))) } : {};
}

/**
 * A pool's dx: each cell gathers the gradients of the windows it belongs to (max: those it wins),
 * at most kh*kw of them, a sum whose absolute value is the backward run on |dy|.
 */
function poolBackward(op: 'maxPool2d' | 'avgPool2d', dy: T, x: T, options: ref.MaxPool2dOptions & ref.AvgPool2dOptions, label: string): Expectation[] {
  const backward = op === 'maxPool2d' ? ref.maxPool2dBackward : ref.avgPool2dBackward;
  const g = ref.resolvePool2d(op, x.shape, options, op === 'maxPool2d' ? ref.MAX_POOL2D_OPTIONS : ref.AVG_POOL2D_OPTIONS);
  const bound = sumOfProductsTolerance(backward(abs(dy), x, options).dx.data, g.kernelH * g.kernelW);
  return [{ name: `${label}${op}Backward dx`, part: 'dx', expected: backward(dy, x, options).dx, bound }];
}

export const EXPECTATIONS: Record<OperationName, Expect> = {
  conv2d([x, w, b, options], label = '') {
    const o = options as ref.Conv2dOptions | undefined;
    const bias = (b as T | null) ?? null;
    const g = ref.resolveConv2d('conv2d', (x as T).shape, (w as T).shape, bias && bias.shape, o);
    const absolute = ref.conv2d(abs(x as T), abs(w as T), bias && abs(bias), o);
    const bound = sumOfProductsTolerance(absolute.data, g.inChannelsPerGroup * g.kernelH * g.kernelW + 1);
    return [{ name: `${label}conv2d`, expected: ref.conv2d(x as T, w as T, bias, o), bound }];
  },
  conv2dBackward([dy, x, w, options], label = '') {
    const o = options as ref.Conv2dOptions | undefined;
    const g = ref.resolveConv2d('conv2d', (x as T).shape, (w as T).shape, null, o);
    const want = ref.conv2dBackward(dy as T, x as T, w as T, o);
    const absolute = ref.conv2dBackward(abs(dy as T), abs(x as T), abs(w as T), o);
    const positions = g.batch * g.outH * g.outW;
    return ([['dx', g.outChannelsPerGroup * g.kernelH * g.kernelW], ['dw', positions], ['db', positions]] as const).map(([part, terms]) =>
      ({ name: `${label}conv2dBackward ${part}`, part, expected: want[part], bound: sumOfProductsTolerance(absolute[part].data, terms) }));
  },
  maxPool2d: ([x, options], label = '') => [{ name: `${label}maxPool2d`, expected: ref.maxPool2d(x as T, options as ref.MaxPool2dOptions), bound: 0 }],
  maxPool2dBackward: ([dy, x, options], label = '') => poolBackward('maxPool2d', dy as T, x as T, options as ref.MaxPool2dOptions, label),
  avgPool2d([x, options], label = '') {
    const o = options as ref.AvgPool2dOptions;
    const g = ref.resolvePool2d('avgPool2d', (x as T).shape, o, ref.AVG_POOL2D_OPTIONS);
    const bound = sumOfProductsTolerance(ref.avgPool2d(abs(x as T), o).data, g.kernelH * g.kernelW);
    return [{ name: `${label}avgPool2d`, expected: ref.avgPool2d(x as T, o), bound }];
  },
  avgPool2dBackward: ([dy, x, options], label = '') => poolBackward('avgPool2d', dy as T, x as T, options as ref.AvgPool2dOptions, label),
  matmul([A, B], label = '') {
    const bound = sumOfProductsTolerance(ref.matmul(abs(A as T), abs(B as T)).data, (A as T).shape[1]);
    return [{ name: `${label}matmul`, expected: ref.matmul(A as T, B as T), bound }];
  },
  linear([x, w, b], label = '') {
    const bias = (b as T | null) ?? null;
    const bound = sumOfProductsTolerance(ref.linear(abs(x as T), abs(w as T), bias && abs(bias)).data, (w as T).shape[1] + 1);
    return [{ name: `${label}linear`, expected: ref.linear(x as T, w as T, bias), bound }];
  },
  linearBackward([dy, x, w], label = '') {
    const want = ref.linearBackward(dy as T, x as T, w as T);
    const absolute = ref.linearBackward(abs(dy as T), abs(x as T), abs(w as T));
    const batch = (x as T).shape[0];
    return ([['dx', (w as T).shape[0]], ['dw', batch], ['db', batch]] as const).map(([part, terms]) =>
      ({ name: `${label}linearBackward ${part}`, part, expected: want[part], bound: sumOfProductsTolerance(absolute[part].data, terms) }));
  },
  flatten([x], label = '') {
    return [{ name: `${label}flatten`, expected: ref.flatten(x as T), bound: 0 }];
  },
  flattenBackward([dy, shape], label = '') {
    return [{ name: `${label}flattenBackward dx`, part: 'dx', expected: ref.flattenBackward(dy as T, shape as number[]).dx, bound: 0 }];
  },
  sigmoid([x], label = '') {
    const want = ref.sigmoid(x as T);
    return [{ name: `${label}sigmoid`, expected: want, bound: sigmoidTolerance((x as T).data, want.data), ...flushed(want, ref.sigmoid, x as T) }];
  },
  sigmoidBackward([dy, y], label = '') {
    const f = (d: T, out: T) => ref.sigmoidBackward(d, out).dx;
    const want = f(dy as T, y as T);
    const bound = productTolerance(f(abs(dy as T), abs(y as T)).data, 3);
    return [{ name: `${label}sigmoidBackward dx`, part: 'dx', expected: want, bound, ...flushed(want, f, dy as T, y as T) }];
  },
  relu([x], label = '') {
    const want = ref.relu(x as T);
    return [{ name: `${label}relu`, expected: want, bound: 0, ...flushed(want, ref.relu, x as T) }];
  },
  reluBackward([dy, x], label = '') {
    const f = (d: T, input: T) => ref.reluBackward(d, input).dx;
    const want = f(dy as T, x as T);
    return [{ name: `${label}reluBackward dx`, part: 'dx', expected: want, bound: 0, ...flushed(want, f, dy as T, x as T) }];
  },
  softmax([x], label = '') {
    const want = ref.softmax(x as T);
    return [{ name: `${label}softmax`, expected: want, bound: softmaxTolerance((x as T).data, want.data, (x as T).shape[1]), ...flushed(want, ref.softmax, x as T) }];
  },
  softmaxBackward([dy, y], label = '') {
    const f = (d: T, out: T) => ref.softmaxBackward(d, out).dx;
    const want = f(dy as T, y as T);
    const bound = softmaxBackwardTolerance((dy as T).data, (y as T).data, (y as T).shape[1]);
    return [{ name: `${label}softmaxBackward dx`, part: 'dx', expected: want, bound, ...flushed(want, f, dy as T, y as T) }];
  },
  logSoftmax([x], label = '') {
    const want = ref.logSoftmax(x as T);
    return [{ name: `${label}logSoftmax`, expected: want, bound: logSoftmaxTolerance((x as T).data, want.data, (x as T).shape[1]), ...flushed(want, ref.logSoftmax, x as T) }];
  },
  logSoftmaxBackward([dy, y], label = '') {
    const f = (d: T, out: T) => ref.logSoftmaxBackward(d, out).dx;
    const want = f(dy as T, y as T);
    const bound = logSoftmaxBackwardTolerance((dy as T).data, (y as T).data, want.data, (y as T).shape[1]);
    return [{ name: `${label}logSoftmaxBackward dx`, part: 'dx', expected: want, bound, ...flushed(want, f, dy as T, y as T) }];
  },
  crossEntropy([logits, labels], label = '') {
    const l = logits as T;
    const y = labels as ref.Labels;
    const bound = crossEntropyTolerance(l.data, y, l.shape[1], ref.logSoftmax(l).data);
    return [{ name: `${label}crossEntropy`, expected: ref.crossEntropy(l, y), bound, orExpected: hasSubnormal(l) ? ref.crossEntropy(flushSubnormals(l), y) : undefined }];
  },
  crossEntropyBackward([logits, labels], label = '') {
    const l = logits as T;
    const f = (t: T) => ref.crossEntropyBackward(t, labels as ref.Labels).dlogits;
    const want = f(l);
    const bound = crossEntropyBackwardTolerance(l.data, ref.softmax(l).data, want.data, l.shape[1]);
    return [{ name: `${label}crossEntropyBackward dlogits`, part: 'dlogits', expected: want, bound, ...flushed(want, f, l) }];
  },
  accuracy([logits, labels], label = '') {
    const l = logits as T;
    const y = labels as ref.Labels;
    // Ties go to the first maximum; on flushing hardware, subnormal logits compare as zeros.
    return [{ name: `${label}accuracy (ties to the first maximum)`, expected: ref.accuracy(l, y), bound: 0, orExpected: hasSubnormal(l) ? ref.accuracy(flushSubnormals(l), y) : undefined }];
  },
  /** args: the parameters as they were before the call, the gradients, lr; the result: the parameters after it. */
  sgd([before, grads, lr], label = '') {
    const params = before as T[];
    return params.map((p, i) => {
      const step = Float64Array.from((grads as T[])[i].data, (g) => (lr as number) * g);
      const expected = ref.fromFlat(p.shape, Float64Array.from(p.data, (v, j) => v - step[j]));
      const bound = sgdTolerance(expected.data, step);
      return { name: params.length === 1 ? `${label}sgd` : `${label}sgd parameter ${i}`, part: i, expected, bound };
    });
  },
};

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
