/**
 * The backend interface: the reference's operations, with the same names, arguments and options,
 * returning Promises (gpu.js's webgpu and async modes are asynchronous; one API serves all).
 * The property suite runs against anything that implements it: a port to a new backend implements
 * this interface and hands it to the suite.
 */
import type {
  AvgPool2dOptions, Conv2dBackwardOptions, Conv2dGradients, Conv2dOptions, Labels, LinearGradients, MaxPool2dOptions, ResidentTensor, Tensor,
} from '../reference/index.ts';
import * as ref from '../reference/index.ts';

/**
 * Tensors kept on a backend between operations, so a chain of them (a whole training step) copies
 * its input in once and reads back only what the caller asks for. Outside a scope, every operation
 * takes host tensors and returns host tensors, as the reference does; a backend without residency
 * simply has no `device`.
 */
export interface DeviceMemory {
  /**
   * Runs `body` with every operation's result kept on the backend (a `ResidentTensor`, which the
   * next operation reads in place; `data` reads it back). When `body` settles, every resident tensor
   * made inside is released, except those in its result (looked for in arrays and plain objects),
   * which pass to the enclosing scope, or to the caller outside all scopes. Scopes nest; calls made
   * while one is open belong to it.
   */
  scope<T>(body: () => Promise<T>): Promise<T>;
  /** Copies a host tensor onto the backend once; it lives until `release()` (or its scope's end). */
  upload(t: Tensor): Promise<ResidentTensor>;
  /**
   * Resolves once the work queued so far has completed. GL queues its commands, so a timing that
   * does not wait for this measures only the queueing (wasm-simd computes before it returns).
   */
  finish(): Promise<void>;
  /**
   * What is held now: resident tensors and their bytes; and, where the backend knows it, the memory
   * reserved in all (wasm-simd: its Memory's size, a high-water mark; GL and WebGPU do not say).
   */
  usage(): { readonly tensors: number; readonly bytes: number; readonly reservedBytes?: number };
}

export interface Backend {
  /** The backend's registry name, e.g. `'webasm'`. */
  readonly name: string;

  conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options?: Conv2dOptions): Promise<Tensor>;
  /** `options.inputGradient: false` asks for dw and db only (dx null): a first layer's input needs none. */
  conv2dBackward(dy: Tensor, x: Tensor, weight: Tensor, options?: Conv2dBackwardOptions): Promise<Conv2dGradients>;
  maxPool2d(x: Tensor, options: MaxPool2dOptions): Promise<Tensor>;
  maxPool2dBackward(dy: Tensor, x: Tensor, options: MaxPool2dOptions): Promise<{ readonly dx: Tensor }>;
  avgPool2d(x: Tensor, options: AvgPool2dOptions): Promise<Tensor>;
  avgPool2dBackward(dy: Tensor, x: Tensor, options: AvgPool2dOptions): Promise<{ readonly dx: Tensor }>;
  matmul(A: Tensor, B: Tensor): Promise<Tensor>;
  linear(x: Tensor, weight: Tensor, bias: Tensor | null): Promise<Tensor>;
  linearBackward(dy: Tensor, x: Tensor, weight: Tensor): Promise<LinearGradients>;
  flatten(x: Tensor): Promise<Tensor>;
  flattenBackward(dy: Tensor, inputShape: readonly number[]): Promise<{ readonly dx: Tensor }>;
  sigmoid(x: Tensor): Promise<Tensor>;
  sigmoidBackward(dy: Tensor, output: Tensor): Promise<{ readonly dx: Tensor }>;
  relu(x: Tensor): Promise<Tensor>;
  reluBackward(dy: Tensor, x: Tensor): Promise<{ readonly dx: Tensor }>;
  softmax(x: Tensor): Promise<Tensor>;
  softmaxBackward(dy: Tensor, output: Tensor): Promise<{ readonly dx: Tensor }>;
  logSoftmax(x: Tensor): Promise<Tensor>;
  logSoftmaxBackward(dy: Tensor, output: Tensor): Promise<{ readonly dx: Tensor }>;
  crossEntropy(logits: Tensor, labels: Labels): Promise<number>;
  crossEntropyBackward(logits: Tensor, labels: Labels): Promise<{ readonly dlogits: Tensor }>;
  accuracy(logits: Tensor, labels: Labels): Promise<number>;
  /** In place, like the reference: `param -= lr * grad` (on the backend, for a resident param). */
  sgd(params: readonly Tensor[], grads: readonly Tensor[], lr: number): Promise<void>;

  /** What exactly runs, where a backend has more than one way (wasm-simd: 'fma build, 2 threads'); the bench and `npm run lenet` print it. */
  readonly variant?: string;

  /** Residency, where the backend has it (wasm-simd: wasm memory; gpu.js GL modes: textures; webgpu: buffers). */
  readonly device?: DeviceMemory;

  /**
   * The backend is the reference itself (float64 JS numbers): comparing it with the reference says
   * nothing, so the suite runs only its laws and contracts, and the bench does not check it. Default false.
   */
  readonly oracle?: boolean;

  /** Releases compiled kernels and contexts. */
  dispose(): void;
}

/**
 * `backend` with some members replaced (a member given as undefined reads as missing). A Proxy, not
 * a spread: a class instance keeps its prototype's methods, called on the instance.
 */
export function overriding<B extends object>(backend: B, members: Readonly<Record<string, unknown>>): B {
  return new Proxy(backend, {
    get(target, key, receiver) {
      if (typeof key === 'string' && Object.hasOwn(members, key)) return members[key];
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The same backend with residency off: every operation copies its inputs in and results out (a baseline to compare with). */
export function withoutResidency<B extends Backend>(backend: B): B {
  return overriding(backend, { device: undefined });
}

/** An operation as a function of its arguments. */
export type Operation = (...args: unknown[]) => Promise<unknown>;

/** The backend with every operation (not `device`, not `dispose`) routed through `call`. Used by the suite's resident view and the bench's timing. */
export function wrapOperations(backend: Backend, call: (op: string, method: Operation, args: unknown[]) => Promise<unknown>): Backend {
  // A Proxy, not a spread: a class instance's prototype methods are found and called on the instance.
  return new Proxy(backend, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      const method = (value as Operation).bind(target);
      return (OPERATION_NAMES as readonly PropertyKey[]).includes(key) ? (...args: unknown[]) => call(key as string, method, args) : method;
    },
  });
}

/**
 * The arguments with every well-formed host tensor (alone, or in an array of them) replaced by
 * `onTensor(t)`; anything else, bad input included, passes as it came (for the operation's own error).
 */
export function mapTensorArguments(args: readonly unknown[], onTensor: (t: ref.Tensor) => Promise<ref.Tensor>): Promise<unknown[]> {
  const map = async (value: unknown): Promise<unknown> => {
    if (Array.isArray(value) && value.length > 0 && value.every(isWellFormed)) return Promise.all(value.map(map));
    return isWellFormed(value) ? onTensor(value) : value;
  };
  return Promise.all(args.map(map));
}

/** A host tensor an operation can take (not resident, well formed). */
function isWellFormed(value: unknown): value is ref.Tensor {
  try {
    ref.assertTensor('upload', 'value', value);
    return !ref.isResident(value);
  } catch {
    return false;
  }
}

/** Names `createBackend` accepts. */
export type BackendName = 'reference' | 'wasm-simd' | 'cpu' | 'webasm' | 'headlessgl' | 'webgpu';

/** Thrown when a backend cannot run on this machine; the message says what to install. */
export class BackendUnavailableError extends Error {
  readonly backend: string;
  constructor(backend: string, reason: string) {
    super(`backend '${backend}' is unavailable: ${reason}`);
    this.name = 'BackendUnavailableError';
    this.backend = backend;
  }
}

/**
 * Thrown by a backend for an option or configuration it does not implement (a port without grouped
 * convolution, say). The property suite counts such cases as declined, reports how many, and does
 * not fail on them; any other error is a failure. A port may throw its own error instead, with this
 * `name` or `code` (see `isUnsupportedOption`): recognising it does not need this module instance.
 */
export class UnsupportedOptionError extends Error {
  readonly code = UNSUPPORTED_OPTION_CODE;
  constructor(backend: string, what: string) {
    super(`backend '${backend}' does not support ${what}`);
    this.name = 'UnsupportedOptionError';
  }
}

export const UNSUPPORTED_OPTION_CODE = 'ERR_UNSUPPORTED_OPTION';

/** Whether `error` declines a case: `code` 'ERR_UNSUPPORTED_OPTION' or `name` 'UnsupportedOptionError', from any module instance. */
export function isUnsupportedOption(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown } | null;
  return typeof e === 'object' && e !== null && (e.code === UNSUPPORTED_OPTION_CODE || e.name === 'UnsupportedOptionError');
}

/** Every operation of the interface, in its order. */
export const OPERATION_NAMES = [
  'conv2d', 'conv2dBackward', 'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward', 'matmul', 'linear', 'linearBackward',
  'flatten', 'flattenBackward', 'sigmoid', 'sigmoidBackward', 'relu', 'reluBackward', 'softmax', 'softmaxBackward', 'logSoftmax',
  'logSoftmaxBackward', 'crossEntropy', 'crossEntropyBackward', 'accuracy', 'sgd',
] as const satisfies readonly (keyof Backend)[];

export type OperationName = (typeof OPERATION_NAMES)[number];

/**
 * A backend that implements some of the operations: a port in progress, or a runtime without some
 * (no weight gradient, say). The suite reports a property whose operations are missing as not
 * implemented: counted and listed, never failed, never drawn from. It may be a class instance.
 */
export type PartialBackend = Pick<Backend, 'name'> & Partial<Omit<Backend, 'name'>>;

/** The operations `backend` implements (own or inherited methods, so classes count). */
export function implementedOperations(backend: PartialBackend): OperationName[] {
  return OPERATION_NAMES.filter((op) => typeof (backend as Record<string, unknown>)[op] === 'function');
}

/** Thrown, inside the suite, by a call to an operation the backend does not implement. */
export class NotImplementedError extends Error {
  readonly operation: OperationName;
  constructor(backend: string, operation: OperationName) {
    super(`backend '${backend}' does not implement ${operation}`);
    this.name = 'NotImplementedError';
    this.operation = operation;
  }
}

/**
 * `backend` as a full `Backend` for the suite's properties: its own operations, called on it (so a
 * class keeps its `this`), and each missing one throwing `NotImplementedError`.
 */
export function completeBackend(backend: PartialBackend): Backend {
  return new Proxy(backend as Backend, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value === 'function') return value.bind(target);
      if (value === undefined && (OPERATION_NAMES as readonly PropertyKey[]).includes(key)) {
        return () => Promise.reject(new NotImplementedError(target.name, key as OperationName));
      }
      return value;
    },
  });
}
