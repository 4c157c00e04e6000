/**
 * TensorFlow.js's CPU backend behind our backend interface: the tfjs adapter (tfjs.ts) on tfjs's
 * `cpu` backend, under the names the README and tfjsCpuModule.ts use. Its differences from PyTorch
 * are TFJS_DIFFERENCES.cpu (the shared tfjs-core ones and tfjs-cpu's own kernels'), narrowed by
 * TFJS_CASES.cpu.
 */
import type { Backend } from '../../kernels/backend.ts';
import { TFJS_CASES, TFJS_DIFFERENCES, TFJS_UNSUPPORTED, tfjsBackendOn } from './tfjs.ts';

/** Properties tfjs-cpu fails, and why (see tfjs.ts for which cause tfjs-core shares with every backend). */
export const TFJS_CPU_DIFFERENCES: Readonly<Record<string, string>> = TFJS_DIFFERENCES.cpu;

/** The cases each tfjs-cpu difference concerns; properties absent here differ as a whole. */
export const TFJS_CPU_CASES: Readonly<Record<string, (c: any) => boolean>> = TFJS_CASES.cpu;

/** What the adapter declines (UnsupportedOptionError): tfjs has no way to express it. */
export const TFJS_CPU_UNSUPPORTED: readonly string[] = TFJS_UNSUPPORTED.cpu;

/**
 * tfjs-cpu, made synchronously (its kernels register with `@tensorflow/tfjs`; each operation makes
 * `cpu` the active tfjs backend before it runs). `createTfjsBackend({ backend: 'cpu' })` is the async form.
 */
export function createTfjsCpuBackend(): Backend {
  return tfjsBackendOn('cpu') as Backend;
}
