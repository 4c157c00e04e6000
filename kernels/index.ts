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

/** What each backend is, declared once, so the suite, the bench and the tests ask about capabilities, not names. */
export interface BackendTraits {
  /** The reference itself (float64 JS numbers): only its laws and contracts mean anything. */
  readonly oracle: boolean;
  /** Precision of its results, as the bench reports it. */
  readonly precision: string;
  /** It has device memory (`backend.device`): resident tensors, and a LeNet step in one scope. */
  readonly device: boolean;
  /** Each new shape compiles a kernel (GL shaders, WGSL: ~0.2 s here), so the suite draws fewer cases on it. */
  readonly compilesPerShape: boolean;
}

const GPUJS = 'float32 (gpu.js precision single)';
export const BACKEND_TRAITS: Readonly<Record<BackendName, BackendTraits>> = {
  reference: { oracle: true, precision: 'float64 (JS numbers)', device: false, compilesPerShape: false },
  'wasm-simd': { oracle: false, precision: 'float32 (WebAssembly SIMD)', device: true, compilesPerShape: false },
  cpu: { oracle: false, precision: GPUJS, device: false, compilesPerShape: false },
  webasm: { oracle: false, precision: GPUJS, device: false, compilesPerShape: false },
  headlessgl: { oracle: false, precision: GPUJS, device: true, compilesPerShape: true },
  webgpu: { oracle: false, precision: GPUJS, device: true, compilesPerShape: true },
};

/** Creates a backend; throws BackendUnavailableError (with what to install) where it cannot run. */
export function createBackend(name: BackendName): Backend {
  if (name === 'reference') return createReferenceBackend();
  if (name === 'wasm-simd') return createWasmSimdBackend();
  if (name === 'cpu' || name === 'webasm' || name === 'headlessgl' || name === 'webgpu') return createGpuJsBackend(name);
  throw new BackendUnavailableError(String(name), `unknown backend; choose one of ${BACKEND_NAMES.join(', ')}.`);
}

/** Whether each backend can be created here; for an unavailable one, the reason. */
export function availableBackends(): ({ name: BackendName; available: boolean; reason?: string; variant?: string } & BackendTraits)[] {
  return BACKEND_NAMES.map((name) => {
    try {
      const backend = createBackend(name);
      backend.dispose();
      return { name, available: true, ...(backend.variant ? { variant: backend.variant } : {}), ...BACKEND_TRAITS[name] };
    } catch (error) {
      return { name, available: false, reason: (error as Error).message, ...BACKEND_TRAITS[name] };
    }
  });
}
