/**
 * Resident tensors of the wasm-simd backend: blocks of its wasm memory that outlive an operation,
 * and the scopes that release them (see `DeviceMemory` in kernels/backend.ts for the contract).
 */
import { formatShape, RESIDENT, sizeOf, type ResidentTensor, type Tensor } from '../../reference/index';
import { blockBytes, type WasmHeap } from './memory';

export class WasmTensor implements ResidentTensor {
  readonly [RESIDENT] = 'wasm-simd';
  readonly shape: readonly number[];
  private address: number;
  private copy: Float32Array | null = null;

  constructor(readonly heap: WasmHeap, address: number, shape: readonly number[], private readonly onRelease: (t: WasmTensor) => void) {
    this.address = address;
    this.shape = [...shape];
  }

  /** A copy read back from wasm memory, made on first use and kept until the backend changes the values. */
  get data(): Float32Array {
    this.copy ??= this.heap.f32(this.ptr, sizeOf(this.shape)).slice();
    return this.copy;
  }

  /** Its address in wasm memory; throws once released (never a pointer into reused memory). */
  get ptr(): number {
    if (this.address < 0) {
      throw new Error(`wasm-simd: a resident tensor ${formatShape(this.shape)} was read after release(). Fix: release it only after its last use, or return it from its scope.`);
    }
    return this.address;
  }

  get released(): boolean {
    return this.address < 0;
  }

  /** The backend wrote new values (sgd in place): the read-back copy is stale. */
  changed(): void {
    this.copy = null;
  }

  /** Frees its wasm memory. Releasing twice is allowed (a scope may end after a manual release). */
  release(): void {
    if (this.address < 0) return;
    this.heap.release(this.address);
    this.address = -1;
    this.copy = null;
    this.onRelease(this);
  }
}

/** The open scopes and every live resident tensor of one backend. */
export class ResidentTensors {
  private readonly scopes: Set<WasmTensor>[] = [];
  private readonly live = new Set<WasmTensor>();

  constructor(private readonly heap: WasmHeap) {}

  /** The scope a call made now belongs to; null outside all scopes (results go back to the host). */
  current(): Set<WasmTensor> | null {
    return this.scopes[this.scopes.length - 1] ?? null;
  }

  /** Wraps a block as a resident tensor owned by `scope` (or by the caller, for null). */
  adopt(address: number, shape: readonly number[], scope: Set<WasmTensor> | null): WasmTensor {
    const t = new WasmTensor(this.heap, address, shape, (gone) => {
      this.live.delete(gone);
      for (const s of this.scopes) s.delete(gone);
    });
    this.live.add(t);
    scope?.add(t);
    return t;
  }

  /** Whether `t` is one of this backend's resident tensors (another instance's memory is another address space). */
  owns(t: Tensor): t is WasmTensor {
    return t instanceof WasmTensor && t.heap === this.heap;
  }

  async scope<T>(body: () => Promise<T>): Promise<T> {
    const made = new Set<WasmTensor>();
    this.scopes.push(made);
    let result: T | undefined;
    try {
      result = await body();
      return result;
    } finally {
      this.scopes.splice(this.scopes.lastIndexOf(made), 1);
      const kept = new Set<WasmTensor>();
      if (result !== undefined) collect(result, kept);
      const outer = this.current();
      for (const t of made) {
        if (!kept.has(t)) t.release();
        else outer?.add(t);
      }
    }
  }

  get count(): number {
    return this.live.size;
  }

  get bytes(): number {
    let sum = 0;
    for (const t of this.live) sum += blockBytes(sizeOf(t.shape));
    return sum;
  }
}

/** The resident tensors inside a scope's result: itself, or in arrays and plain objects, any depth. */
function collect(value: unknown, into: Set<WasmTensor>, seen = new Set<unknown>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof WasmTensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, into, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, into, seen);
}
