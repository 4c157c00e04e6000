/**
 * What an operation sees of its gpu.js backend for one call: how to pass a tensor to a kernel and
 * how to hand a result back. Inside a `device.scope` (GL and WebGPU modes) a result stays on the
 * device as a texture or buffer, wrapped as a resident tensor, and the next kernel reads it in place.
 */
import type { Tensor } from '../../reference/index.ts';
import { DeviceTensor, type Residency } from '../residency.ts';
import type { GpuJsRuntime, GpuTexture, KernelArg, KernelSpec } from './runtime.ts';
import { asFloat32 } from './tensors.ts';

/** A tensor left on the device by a pipeline kernel. */
export class GpuTensor extends DeviceTensor {
  constructor(private texture: GpuTexture, backend: string, shape: readonly number[], registry: Residency) {
    super(backend, shape, registry);
  }

  /** The texture, for the next kernel; throws once released. */
  get onDevice(): GpuTexture {
    this.assertLive();
    return this.texture;
  }

  /** New values computed into another texture (sgd): this one is freed, the tensor now lives there. */
  replace(texture: GpuTexture): void {
    this.assertLive();
    this.texture.delete();
    this.texture = texture;
    this.changed();
  }

  // A GL texture keeps one float32 per RGBA32F texel (gpu.js single precision): 16 bytes per texel;
  // a WebGPU buffer 4 bytes per value.
  get bytes(): number {
    const size = (this.texture as { size?: readonly number[] }).size;
    return size ? size[0] * size[1] * 16 : this.texture.output.reduce((a, b) => a * b, 1) * 4;
  }

  protected readBack(): Float32Array | Promise<Float32Array> {
    const values = this.texture.toArray();
    return values instanceof Promise ? values.then((v) => Float32Array.from(v)) : Float32Array.from(values);
  }

  protected free(): void {
    this.texture.delete();
  }
}

export interface KernelContext {
  readonly rt: GpuJsRuntime;
  /** Runs `spec` and reads the result back (numbers the host needs: losses, counts). */
  run(spec: KernelSpec, args: readonly KernelArg[]): Promise<Float32Array>;
  /** A tensor as a kernel argument: this backend's resident texture in place, anything else as float32 values. */
  arg(t: Tensor): KernelArg;
  /** Runs `spec` for a result of `shape`: resident inside a scope, read back to the host outside. */
  tensor(shape: readonly number[], spec: KernelSpec, args: readonly KernelArg[]): Promise<Tensor>;
  /** This backend's resident tensor, or null. */
  resident(t: Tensor): GpuTensor | null;
  /** Whether this call's results stay on the device (it was made inside a scope). */
  readonly keeps: boolean;
}

/**
 * The context for a call made now: the scope is taken at call time, since calls overlap (gpu.js
 * calls return promises) and each must keep its results in the scope it was made in.
 */
export function kernelContext(rt: GpuJsRuntime, residency: Residency | null, options: { alwaysResident?: boolean } = {}): KernelContext {
  const scope = residency?.current() ?? null;
  // An upload is resident even outside a scope (then the caller owns it).
  const keeps = residency !== null && (scope !== null || options.alwaysResident === true);
  const resident = (t: Tensor) => (residency?.owns(t) && t instanceof GpuTensor ? t : null);
  return {
    rt,
    run: (spec, args) => rt.run(spec, args),
    resident,
    keeps,
    arg: (t) => resident(t)?.onDevice ?? asFloat32(t),
    async tensor(shape, spec, args) {
      if (!residency || !keeps) return { shape: [...shape], data: await rt.run(spec, args) };
      return residency.track(new GpuTensor(await rt.runToTexture(spec, args), rt.mode, shape, residency), scope);
    },
  };
}
