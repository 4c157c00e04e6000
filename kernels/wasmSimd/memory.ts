/**
 * The wasm-simd backend's memory: one WebAssembly.Memory owned by the backend, handed out by a bump
 * arena that each operation resets when it is done. Inputs are copied in as float32, results copied out.
 */
import { formatShape, type Tensor } from '../../reference/index';

/** wasm32 addresses 4 GiB at most; V8 caps a Memory at 65536 pages. */
const MAX_BYTES = 65536 * 65536;
const PAGE = 65536;

export class Arena {
  private top: number;
  private readonly base: number;

  constructor(private readonly memory: WebAssembly.Memory, private readonly op = 'wasm-simd') {
    // The module's own static data lives in its initial pages; the arena starts after them.
    this.base = memory.buffer.byteLength;
    this.top = this.base;
  }

  /** A 16-byte-aligned block for `count` float32 (or int32) values; grows the memory when needed. */
  alloc(count: number, what = 'a buffer'): number {
    const ptr = this.top;
    const end = ptr + Math.ceil((count * 4) / 16) * 16;
    if (end > MAX_BYTES) {
      throw new RangeError(`${this.op}: ${what} needs ${((end - this.base) / 2 ** 30).toFixed(2)} GiB of wasm memory in this call, over the 4 GiB wasm32 limit. Fix: split the batch.`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return ptr;
  }

  /** Copies a tensor in as float32 and returns its address. */
  put(t: Tensor, what = 'an input'): number {
    const ptr = this.alloc(t.data.length, `${what} ${formatShape(t.shape)}`);
    this.f32(ptr, t.data.length).set(t.data);
    return ptr;
  }

  /** A zero-filled block (accumulation targets). */
  zeros(count: number, what?: string): number {
    const ptr = this.alloc(count, what);
    this.f32(ptr, count).fill(0);
    return ptr;
  }

  putInt32(values: ArrayLike<number>): number {
    const ptr = this.alloc(values.length, 'labels');
    new Int32Array(this.memory.buffer, ptr, values.length).set(values);
    return ptr;
  }

  /** A view of wasm memory (valid until the next grow). */
  f32(ptr: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }

  /** A copy out of wasm memory, as a tensor the caller owns. */
  take(ptr: number, shape: readonly number[]): Tensor {
    const count = shape.reduce((a, b) => a * b, 1);
    return { shape: [...shape], data: this.f32(ptr, count).slice() };
  }

  /** Frees everything allocated since the arena was created (between operations). */
  reset(): void {
    this.top = this.base;
  }

  /** Bytes of wasm memory currently reserved (high-water mark of all operations so far). */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }
}
