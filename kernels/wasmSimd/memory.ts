/**
 * The wasm-simd backend's memory: one shared WebAssembly.Memory owned by the backend.
 *
 * `WasmHeap` hands out 16-byte-aligned blocks from a first-fit free list (neighbours coalesce; a
 * free block at the top lowers the top), so tensors kept resident between operations and each
 * operation's scratch buffers share one address space without fragmenting in a training loop: the
 * same sizes come back every step. `Scratch` is one operation's view of it: everything it allocates
 * is freed when the operation ends, except the blocks it hands to a resident tensor (`keep`).
 */
import { formatShape, type Tensor } from '../../reference/index.ts';

/** wasm32 addresses 4 GiB at most; V8 caps a Memory at 65536 pages. */
const MAX_BYTES = 65536 * 65536;
const PAGE = 65536;
const ALIGN = 16;
/** Bytes kept readable past the top block: a kernel may load a vector past a tensor's end (lanes it never stores). */
const SLACK = 64;

/** Bytes a block for `count` float32 values takes (16-byte aligned, never empty). */
export function blockBytes(count: number): number {
  return Math.max(ALIGN, Math.ceil((count * 4) / ALIGN) * ALIGN);
}

interface FreeBlock { ptr: number; bytes: number }

export class WasmHeap {
  private top: number;
  private readonly base: number;
  /** Free blocks below `top`, sorted by address, never adjacent (they coalesce). */
  private readonly free: FreeBlock[] = [];
  /** Size of every live block, by address. */
  private readonly live = new Map<number, number>();

  constructor(readonly memory: WebAssembly.Memory, private readonly owner = 'wasm-simd') {
    // The module's own static data lives in its initial pages; the heap starts after them.
    this.base = memory.buffer.byteLength;
    this.top = this.base;
  }

  /** A block for `count` float32 (or int32) values; grows the memory when no free block fits. */
  alloc(count: number, what = 'a buffer'): number {
    const bytes = blockBytes(count);
    const fit = this.free.findIndex((b) => b.bytes >= bytes);
    let ptr: number;
    if (fit >= 0) {
      const block = this.free[fit];
      ptr = block.ptr;
      if (block.bytes === bytes) this.free.splice(fit, 1);
      else { block.ptr += bytes; block.bytes -= bytes; }
    } else {
      ptr = this.top;
      const end = ptr + bytes;
      if (end + SLACK > MAX_BYTES) {
        throw new RangeError(
          `${this.owner}: ${what} needs ${(bytes / 2 ** 30).toFixed(2)} GiB of wasm memory, with ${(this.liveBytes / 2 ** 20).toFixed(1)} MiB already in use ` +
          `(resident tensors and this call's other buffers): over the 4 GiB wasm32 limit. Fix: split the batch, or release resident tensors you no longer need.`,
        );
      }
      const have = this.memory.buffer.byteLength;
      if (end + SLACK > have) this.memory.grow(Math.ceil((end + SLACK - have) / PAGE));
      this.top = end;
    }
    this.live.set(ptr, bytes);
    return ptr;
  }

  /** Returns a block to the free list. */
  release(ptr: number): void {
    const bytes = this.live.get(ptr);
    if (bytes === undefined) throw new Error(`${this.owner}: internal error: freeing ${ptr}, which is not a live block.`);
    this.live.delete(ptr);
    let i = 0;
    while (i < this.free.length && this.free[i].ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, bytes });
    // Coalesce with the next block, then with the previous one.
    if (i + 1 < this.free.length && ptr + bytes === this.free[i + 1].ptr) {
      this.free[i].bytes += this.free[i + 1].bytes;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].ptr + this.free[i - 1].bytes === ptr) {
      this.free[i - 1].bytes += this.free[i].bytes;
      this.free.splice(i, 1);
      i--;
    }
    // A free block that reaches the top gives its space back to the top.
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }

  /** A view of wasm memory. The memory is shared, so growing it never detaches a view. */
  f32(ptr: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }

  /** Bytes in live blocks (resident tensors plus the running operation's scratch). */
  get liveBytes(): number {
    let sum = 0;
    for (const bytes of this.live.values()) sum += bytes;
    return sum;
  }

  get liveBlocks(): number {
    return this.live.size;
  }

  /** Bytes of wasm memory reserved so far (the high-water mark). */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }
}

/** One operation's allocations: freed together when it ends, except the blocks it keeps. */
export class Scratch {
  private readonly blocks = new Set<number>();

  constructor(readonly heap: WasmHeap) {}

  alloc(count: number, what?: string): number {
    const ptr = this.heap.alloc(count, what);
    this.blocks.add(ptr);
    return ptr;
  }

  /** Copies a tensor in as float32 and returns its address. */
  put(t: Tensor, what = 'an input'): number {
    const ptr = this.alloc(t.data.length, `${what} ${formatShape(t.shape)}`);
    this.heap.f32(ptr, t.data.length).set(t.data);
    return ptr;
  }

  putInt32(values: ArrayLike<number>): number {
    const ptr = this.alloc(values.length, 'labels');
    new Int32Array(this.heap.memory.buffer, ptr, values.length).set(values);
    return ptr;
  }

  /** Hands a block over to a resident tensor: it outlives this operation. */
  keep(ptr: number): number {
    this.blocks.delete(ptr);
    return ptr;
  }

  /** Frees every block not kept (when the operation ends, normally or not). */
  end(): void {
    for (const ptr of this.blocks) this.heap.release(ptr);
    this.blocks.clear();
  }
}
