import { OperatorInputError } from './errors.ts';

/**
 * A dense, row-major tensor. Images are NCHW; convolution weights are `[Cout, Cin/groups, kh, kw]`.
 *
 * This is the contract between the reference, the kernels and any port: a plain object, so that
 * another tool can build one without importing anything from this project.
 */
export type Tensor = {
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
};

/** The key that marks a resident tensor; its value names the backend that holds the values. */
export const RESIDENT = Symbol.for('d2l-conv.resident');

/**
 * A tensor whose values stay on a backend (wasm memory, a GPU texture or buffer) between operations,
 * so the next operation on that backend reads them in place. `read()` reads them back on every
 * backend; `data` does too (a copy, cached until the backend changes them) where the backend can read
 * synchronously (wasm, WebGL), so any code that takes a `Tensor` takes one; on WebGPU, whose reads
 * are asynchronous, `data` throws until `read()` has been awaited. Writing into the copy does not
 * reach the backend. `release()` frees the backend's copy; reading it afterwards throws.
 */
export type ResidentTensor = Tensor & {
  readonly [RESIDENT]: string;
  readonly released: boolean;
  read(): Promise<Float32Array>;
  release(): void;
};

export function isResident(value: unknown): value is ResidentTensor {
  return typeof value === 'object' && value !== null && RESIDENT in value;
}

/** Nested arrays of numbers, as `torch.tensor` takes them. */
export type NestedNumbers = number | readonly NestedNumbers[];

/** Number of elements a shape holds (1 for a scalar shape `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** `[1, 1, 4, 4]`, as messages print shapes. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks that `value` is a well-formed tensor of the given rank and returns it typed.
 *
 * @param op - the operation doing the check, named in the error
 * @param name - the argument's name, e.g. `'x'`
 * @param rank - required number of dimensions (omit to accept any rank)
 * @param layout - how the dimensions are named, e.g. `'[N, C, H, W]'`, for the error message
 */
export function assertTensor(op: string, name: string, value: unknown, rank?: number, layout?: string): Tensor {
  if (typeof value !== 'object' || value === null) {
    throw new OperatorInputError(op, `${name} must be a tensor { shape, data }; got ${String(value)}.`);
  }
  const { shape } = value as { shape?: unknown };
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new OperatorInputError(
      op,
      `${name}.shape must be an array of positive integers; got ${JSON.stringify(shape)}.`,
    );
  }
  if (isResident(value)) {
    // Well-formed by construction; reading `data` here would copy it back for nothing.
    if (value.released) {
      throw new OperatorInputError(
        op,
        `${name} ${formatShape(shape)} was released on ${value[RESIDENT]} (release() was called, or the scope that made it ended). ` +
          `Fix: return it from the scope, or release it only after its last use.`,
      );
    }
  } else {
    assertData(op, name, (value as { data?: unknown }).data, shape);
  }
  if (rank !== undefined && shape.length !== rank) {
    throw new OperatorInputError(
      op,
      `${name} must be ${rank}-D${layout ? ` ${layout}` : ''}; got shape ${formatShape(shape)} (${shape.length}-D).`,
    );
  }
  return value as Tensor;
}

/**
 * For operations that write into `data` in place (sgd): a resident tensor's `data` is a copy, so
 * writing there would be lost; refuse it rather than update nothing.
 */
export function assertHostTensor(op: string, name: string, t: Tensor): void {
  if (isResident(t)) {
    throw new OperatorInputError(
      op,
      `${name} ${formatShape(t.shape)} is resident on ${t[RESIDENT]}, and this backend updates tensors in place in host memory, ` +
        `so the update would be lost. Fix: run this operation on ${t[RESIDENT]}, or pass a host copy ({ shape, data: Float32Array.from(t.data) }).`,
    );
  }
}

function assertData(op: string, name: string, data: unknown, shape: readonly number[]): void {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new OperatorInputError(
      op,
      `${name}.data must be a Float32Array or Float64Array; got ${describeType(data)}. ` +
        `Fix: wrap it, e.g. Float64Array.from(values).`,
    );
  }
  if (data.length !== sizeOf(shape)) {
    throw new OperatorInputError(
      op,
      `${name}.data has ${data.length} elements but its shape ${formatShape(shape)} needs ${sizeOf(shape)}.`,
    );
  }
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a plain Array';
  return (value as object).constructor?.name ?? typeof value;
}

/** A float64 tensor of zeros. */
export function zeros(shape: readonly number[]): Tensor {
  return { shape: [...shape], data: new Float64Array(sizeOf(shape)) };
}

/** A float64 tensor from flat values and a shape; the values are copied. */
export function fromFlat(shape: readonly number[], values: ArrayLike<number>): Tensor {
  const t = { shape: [...shape], data: Float64Array.from(values) };
  return assertTensor('fromFlat', 'tensor', t);
}

/** A float64 tensor from nested arrays, like `torch.tensor([[0, 1], [2, 3]])`. */
export function tensor(nested: NestedNumbers): Tensor {
  const shape: number[] = [];
  let level: NestedNumbers = nested;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = (level as readonly NestedNumbers[])[0] as NestedNumbers;
  }
  const flat: number[] = [];
  const walk = (node: NestedNumbers, depth: number): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') throw new OperatorInputError('tensor', `ragged nesting at depth ${depth}.`);
      flat.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new OperatorInputError('tensor', `ragged nesting: expected ${shape[depth]} entries at depth ${depth}.`);
    }
    for (const child of node as readonly NestedNumbers[]) walk(child, depth + 1);
  };
  walk(nested, 0);
  return fromFlat(shape, flat);
}

/** Nested arrays from a tensor, for printing and for readable assertions. */
export function toNested(t: Tensor): NestedNumbers {
  const build = (offset: number, depth: number): NestedNumbers => {
    if (depth === t.shape.length) return t.data[offset];
    const stride = sizeOf(t.shape.slice(depth + 1));
    return Array.from({ length: t.shape[depth] }, (_, i) => build(offset + i * stride, depth + 1));
  };
  return build(0, 0);
}

/** The same data seen with another shape of equal size (no copy). */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  if (sizeOf(shape) !== t.data.length) {
    throw new OperatorInputError(
      'reshape',
      `cannot view ${formatShape(t.shape)} (${t.data.length} elements) as ${formatShape(shape)} (${sizeOf(shape)}).`,
    );
  }
  return { shape: [...shape], data: t.data };
}

/** `[0, 1, ..., n-1]` in the given shape, like `torch.arange(n).reshape(shape)`. */
export function arange(shape: readonly number[]): Tensor {
  return { shape: [...shape], data: Float64Array.from({ length: sizeOf(shape) }, (_, i) => i) };
}
