/**
 * The kernel registry: `createBackend(name)` returns the reference operations behind one async
 * interface, on the backend named; `availableBackends()` says which run on this machine and why not.
 */
import { BackendUnavailableError, type Backend, type BackendName } from './backend.ts';
import { createGpuJsBackend } from './gpujs/index.ts';
import { createReferenceBackend } from './referenceBackend.ts';
import { createWasmSimdBackend } from './wasmSimd/index.ts';

export {
  BackendUnavailableError, UnsupportedOptionError, isUnsupportedOption, NotImplementedError, OPERATION_NAMES, implementedOperations,
  type Backend, type BackendName, type DeviceMemory, type OperationName, type PartialBackend,
} from './backend.ts';
export type { GpuJsBackend } from './gpujs/index.ts';

/** Every backend name, in the order the suite and the bench try them. */
export const BACKEND_NAMES: readonly BackendName[] = ['reference', 'wasm-simd', 'cpu', 'webasm', 'headlessgl', 'webgpu'];

/** Creates a backend; throws BackendUnavailableError (with what to install) where it cannot run. */
export function createBackend(name: BackendName): Backend {
  if (name === 'reference') return createReferenceBackend();
  if (name === 'wasm-simd') return createWasmSimdBackend();
  if (name === 'cpu' || name === 'webasm' || name === 'headlessgl' || name === 'webgpu') return createGpuJsBackend(name);
  throw new BackendUnavailableError(String(name), `unknown backend; choose one of ${BACKEND_NAMES.join(', ')}.`);
}

/** Whether each backend can be created here; for an unavailable one, the reason. */
export function availableBackends(): { name: BackendName; available: boolean; reason?: string }[] {
  return BACKEND_NAMES.map((name) => {
    try {
      createBackend(name).dispose();
      return { name, available: true };
    } catch (error) {
      return { name, available: false, reason: (error as Error).message };
    }
  });
}
