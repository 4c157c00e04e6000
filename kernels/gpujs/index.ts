/** A gpu.js backend (cpu, webasm, headlessgl or webgpu) behind the common backend interface. */
import { assertTensor, sizeOf, type ResidentTensor, type Tensor } from '../../reference/index.ts';
import { checkFlatten, checkFlattenBackward } from '../../reference/flatten.ts';
import type { Backend } from '../backend.ts';
import { Residency } from '../residency.ts';
import { kernelContext, type KernelContext } from './context.ts';
import * as activations from './activations.ts';
import * as conv from './conv2d.ts';
import * as dense from './dense.ts';
import * as loss from './loss.ts';
import * as pool from './pool2d.ts';
import { GpuJsRuntime, RESIDENT_MODES, type GpuJsMode } from './runtime.ts';

export interface GpuJsBackend extends Backend {
  readonly name: GpuJsMode;
  /** The gpu.js kernel class that ran each compiled kernel (all equal to the requested backend's). */
  executedKernelClasses(): ReadonlySet<string>;
}

/** Creates the backend; throws BackendUnavailableError (saying what to install) if gpu.js cannot run it here. */
export function createGpuJsBackend(mode: GpuJsMode): GpuJsBackend {
  const rt = new GpuJsRuntime(mode);
  // Device residency where kernels can leave results on the device (GL textures, WebGPU buffers).
  const residency = RESIDENT_MODES.includes(mode) ? new Residency() : null;
  const cx = () => kernelContext(rt, residency);
  return {
    name: mode,
    conv2d: (x, w, b, o) => conv.conv2d(cx(), x, w, b, o),
    conv2dBackward: (dy, x, w, o) => conv.conv2dBackward(cx(), dy, x, w, o),
    maxPool2d: (x, o) => pool.maxPool2d(cx(), x, o),
    maxPool2dBackward: (dy, x, o) => pool.maxPool2dBackward(cx(), dy, x, o),
    avgPool2d: (x, o) => pool.avgPool2d(cx(), x, o),
    avgPool2dBackward: (dy, x, o) => pool.avgPool2dBackward(cx(), dy, x, o),
    matmul: (A, B) => dense.matmul(cx(), A, B),
    linear: (x, w, b) => dense.linear(cx(), x, w, b),
    linearBackward: (dy, x, w) => dense.linearBackward(cx(), dy, x, w),
    // A reshape: the values are copied (on the device for a resident tensor), so the caller may
    // change or release either side.
    flatten: async (x) => reshaped(cx(), x, checkFlatten(x)),
    flattenBackward: async (dy, shape) => {
      checkFlattenBackward(dy, shape);
      return { dx: await reshaped(cx(), dy, shape) };
    },
    sigmoid: (x) => activations.sigmoid(cx(), x),
    sigmoidBackward: (dy, y) => activations.sigmoidBackward(cx(), dy, y),
    relu: (x) => activations.relu(cx(), x),
    reluBackward: (dy, x) => activations.reluBackward(cx(), dy, x),
    softmax: (x) => activations.softmax(cx(), x),
    softmaxBackward: (dy, y) => activations.softmaxBackward(cx(), dy, y),
    logSoftmax: (x) => activations.logSoftmax(cx(), x),
    logSoftmaxBackward: (dy, y) => activations.logSoftmaxBackward(cx(), dy, y),
    crossEntropy: (l, y) => loss.crossEntropy(cx(), l, y),
    crossEntropyBackward: (l, y) => loss.crossEntropyBackward(cx(), l, y),
    accuracy: (l, y) => loss.accuracy(cx(), l, y),
    sgd: (p, g, lr) => dense.sgd(cx(), p, g, lr),
    ...(residency && {
      device: {
        scope: (body) => residency.scope(body),
        upload: (t) => {
          assertTensor('upload', 't', t);
          // Resident even outside a scope; inside one, it belongs to that scope.
          return copyKernel(kernelContext(rt, residency, { alwaysResident: true }), t, t.shape) as Promise<ResidentTensor>;
        },
        finish: () => rt.finish(),
        usage: () => residency.usage(),
      },
    }),
    executedKernelClasses: () => new Set(rt.executed.values()),
    dispose: () => rt.dispose(),
  };
}

function copyKernelSource(this: { thread: { x: number } }, x: Float32Array): number {
  return x[this.thread.x];
}

/** The values of x under a new shape: a device copy inside a scope or for a resident x, else a host copy. */
function reshaped(cx: KernelContext, x: Tensor, shape: readonly number[]): Promise<Tensor> | Tensor {
  if (!cx.resident(x) && !cx.keeps) return { shape: [...shape], data: Float32Array.from(x.data) };
  return copyKernel(cx, x, shape);
}

function copyKernel(cx: KernelContext, x: Tensor, shape: readonly number[]): Promise<Tensor> {
  const n = sizeOf(shape);
  return cx.tensor(shape, { key: `copy ${n}`, source: copyKernelSource, outputLength: n, constants: {}, loopIterations: 0 }, [cx.arg(x)]);
}
