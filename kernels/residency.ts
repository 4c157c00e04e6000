/**
 * What every backend's resident tensors share (see `DeviceMemory` in backend.ts for the contract):
 * the read-back copy, release, and the scopes that release what they made. A backend subclasses
 * `DeviceTensor` with where its values live (a wasm address, a GL texture).
 */
import { formatShape, RESIDENT, type ResidentTensor, type Tensor } from '../reference/index.ts';

export abstract class DeviceTensor implements ResidentTensor {
  readonly [RESIDENT]: string;
  readonly shape: readonly number[];
  private copy: Float32Array | null = null;
  private live = true;

  constructor(backend: string, shape: readonly number[], private readonly registry: Residency) {
    this[RESIDENT] = backend;
    this.shape = [...shape];
  }

  /** Copies the values back from the backend, or a promise of them where reads are asynchronous (WebGPU). */
  protected abstract readBack(): Float32Array | Promise<Float32Array>;
  /** Frees the backend's copy. */
  protected abstract free(): void;
  /** Bytes it holds on the backend. */
  abstract get bytes(): number;

  /** A copy read back from the backend, made on first use and kept until the backend changes the values. */
  get data(): Float32Array {
    this.assertLive();
    if (this.copy) return this.copy;
    const values = this.readBack();
    if (values instanceof Promise) {
      values.catch(() => {}); // not awaited here; read() reports the error
      throw new Error(`${this[RESIDENT]}: a resident tensor ${formatShape(this.shape)} reads back asynchronously. Fix: await t.read() (after it, t.data holds the values).`);
    }
    this.copy = values;
    return values;
  }

  /** Reads the values back on any backend (and caches them, as `data` does). */
  async read(): Promise<Float32Array> {
    this.assertLive();
    this.copy ??= await this.readBack();
    return this.copy;
  }

  get released(): boolean {
    return !this.live;
  }

  /** Throws once released: never a read of memory that may hold another tensor by now. */
  assertLive(): void {
    if (!this.live) {
      throw new Error(
        `${this[RESIDENT]}: a resident tensor ${formatShape(this.shape)} was read after release(). Fix: release it only after its last use, or return it from its scope.`,
      );
    }
  }

  /** The backend wrote new values in place (sgd): the read-back copy is stale. */
  changed(): void {
    this.copy = null;
  }

  /** Frees the backend's copy. Releasing twice is allowed (a scope may end after a manual release). */
  release(): void {
    if (!this.live) return;
    this.free();
    this.live = false;
    this.copy = null;
    this.registry.forget(this);
  }
}

/** One backend's live resident tensors and open scopes. */
export class Residency {
  private readonly scopes: Set<DeviceTensor>[] = [];
  private readonly live = new Set<DeviceTensor>();

  /** The scope a call made now belongs to; null outside all scopes (results go back to the host). */
  current(): Set<DeviceTensor> | null {
    return this.scopes[this.scopes.length - 1] ?? null;
  }

  /** Registers a new resident tensor as owned by `scope` (or by the caller, for null). */
  track<T extends DeviceTensor>(t: T, scope: Set<DeviceTensor> | null): T {
    this.live.add(t);
    scope?.add(t);
    return t;
  }

  forget(t: DeviceTensor): void {
    this.live.delete(t);
    for (const s of this.scopes) s.delete(t);
  }

  /** Whether `t` is one of this backend's (another instance's memory is another address space). */
  owns(t: Tensor): t is DeviceTensor {
    return t instanceof DeviceTensor && this.live.has(t);
  }

  async scope<T>(body: () => Promise<T>): Promise<T> {
    const made = new Set<DeviceTensor>();
    this.scopes.push(made);
    let result: T | undefined;
    try {
      result = await body();
      return result;
    } finally {
      this.scopes.splice(this.scopes.lastIndexOf(made), 1);
      const kept = new Set<DeviceTensor>();
      if (result !== undefined) collect(result, kept);
      const outer = this.current();
      for (const t of made) {
        if (!kept.has(t)) t.release();
        else outer?.add(t);
      }
    }
  }

  usage(): { tensors: number; bytes: number } {
    let bytes = 0;
    for (const t of this.live) bytes += t.bytes;
    return { tensors: this.live.size, bytes };
  }
}

/** The resident tensors inside a scope's result: itself, or in arrays and plain objects, any depth. */
function collect(value: unknown, into: Set<DeviceTensor>, seen = new Set<unknown>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof DeviceTensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, into, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, into, seen);
}
