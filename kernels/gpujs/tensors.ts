import type { Tensor } from '../../reference/index.ts';

/** The tensor's data as float32 (no copy when it already is). */
export function asFloat32(t: Tensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

/** A stable cache key for a resolved geometry (every field compiled into a kernel). */
export function geometryKey(geometry: object): string {
  return JSON.stringify(geometry);
}
