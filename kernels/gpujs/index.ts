/** A gpu.js backend (cpu, webasm, headlessgl or webgpu) behind the common backend interface. */
import { flatten, flattenBackward } from '../../reference/index';
import type { Backend } from '../backend';
import * as activations from './activations';
import * as conv from './conv2d';
import * as dense from './dense';
import * as loss from './loss';
import * as pool from './pool2d';
import { GpuJsRuntime, type GpuJsMode } from './runtime';

export interface GpuJsBackend extends Backend {
  readonly name: GpuJsMode;
  /** The gpu.js kernel class that ran each compiled kernel (all equal to the requested backend's). */
  executedKernelClasses(): ReadonlySet<string>;
}

/** Creates the backend; throws BackendUnavailableError (saying what to install) if gpu.js cannot run it here. */
export function createGpuJsBackend(mode: GpuJsMode): GpuJsBackend {
  const rt = new GpuJsRuntime(mode);
  return {
    name: mode,
    conv2d: (x, w, b, o) => conv.conv2d(rt, x, w, b, o),
    conv2dBackward: (dy, x, w, o) => conv.conv2dBackward(rt, dy, x, w, o),
    maxPool2d: (x, o) => pool.maxPool2d(rt, x, o),
    maxPool2dBackward: (dy, x, o) => pool.maxPool2dBackward(rt, dy, x, o),
    avgPool2d: (x, o) => pool.avgPool2d(rt, x, o),
    avgPool2dBackward: (dy, x, o) => pool.avgPool2dBackward(rt, dy, x, o),
    matmul: (A, B) => dense.matmul(rt, A, B),
    linear: (x, w, b) => dense.linear(rt, x, w, b),
    linearBackward: (dy, x, w) => dense.linearBackward(rt, dy, x, w),
    // A reshape: no kernel; the data is copied to float32 so callers may mutate either side.
    flatten: async (x) => {
      const y = flatten(x);
      return { shape: y.shape, data: Float32Array.from(x.data) };
    },
    flattenBackward: async (dy, shape) => {
      const { dx } = flattenBackward(dy, shape);
      return { dx: { shape: dx.shape, data: Float32Array.from(dy.data) } };
    },
    sigmoid: (x) => activations.sigmoid(rt, x),
    sigmoidBackward: (dy, y) => activations.sigmoidBackward(rt, dy, y),
    relu: (x) => activations.relu(rt, x),
    reluBackward: (dy, x) => activations.reluBackward(rt, dy, x),
    softmax: (x) => activations.softmax(rt, x),
    softmaxBackward: (dy, y) => activations.softmaxBackward(rt, dy, y),
    logSoftmax: (x) => activations.logSoftmax(rt, x),
    logSoftmaxBackward: (dy, y) => activations.logSoftmaxBackward(rt, dy, y),
    crossEntropy: (l, y) => loss.crossEntropy(rt, l, y),
    crossEntropyBackward: (l, y) => loss.crossEntropyBackward(rt, l, y),
    accuracy: (l, y) => loss.accuracy(rt, l, y),
    sgd: (p, g, lr) => dense.sgd(rt, p, g, lr),
    executedKernelClasses: () => new Set(rt.executed.values()),
    dispose: () => rt.dispose(),
  };
}
