/** Resident tensors of the wasm-simd backend: blocks of its wasm memory that outlive an operation. */
import { sizeOf } from '../../reference/index.ts';
import { DeviceTensor, type Residency } from '../residency.ts';
import { blockBytes, type WasmHeap } from './memory.ts';

export class WasmTensor extends DeviceTensor {
  constructor(private readonly heap: WasmHeap, private readonly address: number, shape: readonly number[], registry: Residency) {
    super('wasm-simd', shape, registry);
  }

  /** Its address in wasm memory; throws once released (never a pointer into reused memory). */
  get ptr(): number {
    this.assertLive();
    return this.address;
  }

  get bytes(): number {
    return blockBytes(sizeOf(this.shape));
  }

  protected readBack(): Float32Array {
    return this.heap.f32(this.address, sizeOf(this.shape)).slice();
  }

  protected free(): void {
    this.heap.release(this.address);
  }
}
