/**
 * One gpu.js context per backend: builds each kernel once per (operation, shapes, options), runs it,
 * and proves after the first call that gpu.js really executed the backend that was asked for
 * (gpu.js silently runs WebAssembly when GL is missing).
 */
import { createRequire } from 'node:module';
import { BackendUnavailableError, UnsupportedOptionError } from '../backend.ts';

const require = createRequire(import.meta.url);

/** The gpu.js modes this project drives: the first four in Node, `webgl`/`webgl2`/`webgpu` in a browser page. */
export type GpuJsMode = 'cpu' | 'webasm' | 'headlessgl' | 'webgpu' | 'webgl' | 'webgl2';

/** The gpu.js kernel class each mode must produce. */
export const EXPECTED_KERNEL_CLASS: Record<GpuJsMode, string> = {
  cpu: 'CPUKernel',
  webasm: 'WebAssemblyKernel',
  headlessgl: 'HeadlessGLKernel',
  webgpu: 'WebGPUKernel',
  webgl: 'WebGLKernel',
  webgl2: 'WebGL2Kernel',
};

/** gpu.js's float index arithmetic (GL, webasm) is exact only below 2^24. */
export const MAX_ELEMENTS = 2 ** 24;

/** A kernel to build: its source, its flat output length and its compiled-in constants. */
export interface KernelSpec {
  /** Cache key: operation name plus every shape and option the kernel compiles in. */
  readonly key: string;
  /** A plain `function` (gpu.js parses its source: no arrows, no closures). */
  readonly source: (...args: never[]) => number;
  readonly outputLength: number;
  /** Shapes and options; loop bounds read from here are compiled in, so `loopMaxIterations` never truncates them. */
  readonly constants: Record<string, number>;
  /** The most loop iterations one thread runs (all its loops together), checked against MAX_SHADER_LOOP_ITERATIONS. */
  readonly loopIterations: number;
}

/**
 * Shader loops are cut short silently past this many iterations by Mesa's llvmpipe (headlessgl
 * here: LP_MAX_TGSI_LOOP_ITERATIONS), and GPU drivers have watchdogs of their own. A kernel whose
 * threads would loop longer is refused on the GL and WebGPU modes, saying so, instead of returning
 * a sum of part of its terms; conv2d's gradients are split into chunks to stay under it.
 */
export const MAX_SHADER_LOOP_ITERATIONS = 65_535;

type GpuJsKernel = ((...args: unknown[]) => unknown) & { kernel?: { constructor: { name: string } }; destroy?: () => void };

/**
 * A gpu.js pipeline result: a GL texture (read back synchronously) or a WebGPU buffer (read back with
 * a Promise); freed with delete.
 */
export interface GpuTexture {
  readonly output: readonly number[];
  toArray(): ArrayLike<number> | Promise<ArrayLike<number>>;
  delete(): void;
}

/** What a kernel takes: values, a texture another kernel left on the device, or a number. */
export type KernelArg = Float32Array | GpuTexture | number;

/** The gpu.js modes whose kernels can leave their results on the device (GL textures, WebGPU buffers). */
export const RESIDENT_MODES: readonly GpuJsMode[] = ['headlessgl', 'webgl', 'webgl2', 'webgpu'];

const lengthOf = (a: Float32Array | GpuTexture) => ('length' in a ? a.length : a.output.reduce((x, y) => x * y, 1));
type GpuJs = { createKernel: (source: unknown, settings: object) => GpuJsKernel; destroy: () => void; context?: unknown };

const INSTALL_HINTS: Record<GpuJsMode, string> = {
  cpu: 'gpu.js is not installed: run npm ci.',
  webasm: 'gpu.js is not installed: run npm ci.',
  headlessgl:
    "it needs the native 'gl' module (apt-get install libxi-dev libx11-dev libxext-dev pkg-config, then npm ci) " +
    'and an X display at run time (run under xvfb-run -a).',
  webgpu:
    "it needs the 'webgpu' npm package's Dawn binary to load (Linux with glibc >= 2.38 and a Vulkan driver) " +
    'or a browser with navigator.gpu.',
  webgl: 'it runs in a browser page with WebGL (npm run serve, or npm run test:browser for headless Chromium).',
  webgl2: 'it runs in a browser page with WebGL2 (npm run serve, or npm run test:browser for headless Chromium).',
};

/** Makes `navigator.gpu` exist in Node from the `webgpu` package, or explains why it cannot. */
function installWebGpu(): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  let webgpu: { create: (options: string[]) => unknown; globals: object };
  try {
    webgpu = require('webgpu');
  } catch (error) {
    throw new BackendUnavailableError('webgpu', `${INSTALL_HINTS.webgpu} Loading it failed: ${(error as Error).message.split('\n')[0]}`);
  }
  Object.assign(globalThis, webgpu.globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: webgpu.create([]) }, configurable: true });
}

export class GpuJsRuntime {
  readonly mode: GpuJsMode;
  private readonly gpu: GpuJs;
  private readonly kernels = new Map<string, GpuJsKernel>();
  /** Kernel class that actually ran, per cache key; checked after each kernel's first call. */
  readonly executed = new Map<string, string>();

  constructor(mode: GpuJsMode) {
    this.mode = mode;
    if (mode === 'webgpu') installWebGpu();
    let GPU: new (settings: object) => GpuJs;
    try {
      GPU = require('gpu.js').GPU;
    } catch (error) {
      throw new BackendUnavailableError(mode, `${INSTALL_HINTS[mode]} (${(error as Error).message})`);
    }
    try {
      this.gpu = new GPU({ mode });
    } catch (error) {
      throw new BackendUnavailableError(mode, `${INSTALL_HINTS[mode]} gpu.js said: ${(error as Error).message}`);
    }
  }

  /** Runs `spec` on `args`, compiling it on first use; resolves to the flat float32 output. */
  async run(spec: KernelSpec, args: readonly KernelArg[]): Promise<Float32Array> {
    return toFloat32(await this.execute(spec, args, false), spec.outputLength);
  }

  /** Runs `spec` and leaves the result on the device: a new texture the caller must delete. */
  async runToTexture(spec: KernelSpec, args: readonly KernelArg[]): Promise<GpuTexture> {
    if (!RESIDENT_MODES.includes(this.mode)) throw new Error(`gpu.js ${this.mode}: results cannot stay on the device in this mode (no textures).`);
    return (await this.execute(spec, args, true)) as GpuTexture;
  }

  private async execute(spec: KernelSpec, args: readonly KernelArg[], toTexture: boolean): Promise<unknown> {
    if (spec.outputLength >= MAX_ELEMENTS || args.some((a) => typeof a !== 'number' && lengthOf(a) >= MAX_ELEMENTS)) {
      throw new RangeError(
        `${spec.key.split(' ')[0]}: a tensor of 2^24 or more elements is beyond gpu.js's exact index arithmetic ` +
          `on the ${this.mode} backend. Fix: split the batch into smaller calls.`,
      );
    }
    if (spec.loopIterations > MAX_SHADER_LOOP_ITERATIONS && this.mode !== 'cpu' && this.mode !== 'webasm') {
      throw new UnsupportedOptionError(
        `gpu.js ${this.mode}`,
        `${spec.key.split(' ')[0]} with ${spec.loopIterations} loop iterations per thread: shaders may stop a loop after ` +
          `${MAX_SHADER_LOOP_ITERATIONS} (llvmpipe does, silently). Fix: split the call (a smaller batch or inner dimension), or use wasm-simd.`,
      );
    }
    // One kernel per output kind; gpu.js itself recompiles a kernel for argument kinds it has not seen (array or texture).
    const key = toTexture ? `${spec.key} (texture)` : spec.key;
    let kernel = this.kernels.get(key);
    if (kernel === undefined) {
      kernel = this.gpu.createKernel(spec.source, {
        output: [spec.outputLength],
        constants: spec.constants,
        precision: 'single',
        tactic: 'precision',
        dynamicOutput: false,
        dynamicArguments: false,
        // immutable: every call gets its own texture (otherwise the next call overwrites it).
        ...(toTexture ? { pipeline: true, immutable: true } : {}),
      });
      this.kernels.set(key, kernel);
    }
    const result = await kernel(...args);
    if (!this.executed.has(key)) {
      const ran = kernel.kernel?.constructor.name ?? 'unknown';
      if (ran !== EXPECTED_KERNEL_CLASS[this.mode]) {
        this.kernels.delete(key);
        throw new BackendUnavailableError(
          this.mode,
          `gpu.js ran ${ran} instead of ${EXPECTED_KERNEL_CLASS[this.mode]}: ${INSTALL_HINTS[this.mode]}`,
        );
      }
      this.executed.set(key, ran);
    }
    return result;
  }

  /** Waits until the work queued so far has run: gl.finish, or the WebGPU queue's onSubmittedWorkDone; a no-op on the CPU modes. */
  async finish(): Promise<void> {
    const context = (this.gpu as { context?: { finish?: () => void; device?: { queue: { onSubmittedWorkDone(): Promise<void> } } } }).context;
    if (context?.device) await context.device.queue.onSubmittedWorkDone();
    else context?.finish?.();
  }

  dispose(): void {
    for (const kernel of this.kernels.values()) kernel.destroy?.();
    this.kernels.clear();
    this.gpu.destroy();
  }
}

function toFloat32(result: unknown, length: number): Float32Array {
  // Copy: gpu.js may reuse its output buffer on the next call of the same kernel.
  if (result instanceof Float32Array && result.length === length) return result.slice();
  const out = Float32Array.from(result as ArrayLike<number>);
  if (out.length !== length) throw new Error(`gpu.js returned ${out.length} values, expected ${length}.`);
  return out;
}
