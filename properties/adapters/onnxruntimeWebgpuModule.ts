/**
 * ONNX Runtime Web on its webgpu execution provider as a backend module. It runs only in a browser
 * page with WebGPU, with 'onnxruntime-web' bundled as its webgpu build (dist/ort.webgpu.min.mjs) and
 * its .wasm/.mjs files served where `ort.env.wasm.wasmPaths` points: `npm run matrix` runs it so in
 * headless Chromium (properties/browser/runtimesPage.ts, properties/matrix/chromium.ts).
 * Forward operations only, as on wasm (see onnxruntime.ts).
 *
 * ORT 1.30's webgpu build runs its native WebGPU execution provider: Sigmoid, Relu, Softmax, MaxPool,
 * AveragePool, Conv and MatMul/Gemm are WGSL kernels (onnxruntime/core/providers/webgpu); LogSoftmax
 * and SoftmaxCrossEntropyLoss have none there and fall back to its CPU kernels, which are the wasm
 * provider's (they pass, as on wasm). The differences below were found by running the suite in
 * headless Chromium (SwiftShader's WebGPU, which treats NaN as WGSL lets it: max drops a NaN, exp of a
 * NaN is +Infinity) and read against those kernels' WGSL; each is narrowed with `when`.
 */
import * as ref from '../../reference/index.ts';
import { rowsInputs, type RowsCase } from '../arbitraries/rowsCase.ts';
import type { ExpectedDifference } from '../suite.ts';
import { float32Tensor } from '../tensors.ts';
import { createOnnxRuntimeBackend } from './onnxruntime.ts';
import { expectedDifferences as onWasm } from './onnxruntimeWasmModule.ts';

export const createBackend = () => createOnnxRuntimeBackend({ executionProvider: 'webgpu' });

type PoolCase = { readonly kind: 'max' | 'avg'; readonly xShape: readonly number[]; readonly options: ref.MaxPool2dOptions; readonly seed: number };
type NanCase = { readonly op: 'conv' | 'pool'; readonly c: PoolCase; readonly nans: readonly (number | readonly [number, number])[] };

/** x as the NaN property builds it for a pooling case: 'distinct' values with its special values written in (properties/conformance/nan.ts). */
function nanCaseInput(c: NanCase): ref.Tensor {
  const x = float32Tensor(c.c.xShape, c.c.seed, 'distinct');
  const data = Float32Array.from(x.data);
  for (const n of c.nans) {
    const [p, which] = typeof n === 'number' ? [n, 0] : n;
    data[p % data.length] = [NaN, NaN, NaN, NaN, Infinity, -Infinity][which];
  }
  return { shape: x.shape, data };
}

/**
 * Whether ORT's WebGPU MaxPool (PoolProgram: `value = max(value, x_val)` from -3.4028234663852886e38,
 * padding skipped) differs from PyTorch on some window of x: one that holds a NaN (max drops it), one
 * whose real cells are all -Infinity (it stays at -3.4e38), or one that covers only padding.
 */
function maxPoolWindowDiffers(x: ref.Tensor, options: ref.MaxPool2dOptions): boolean {
  const g = ref.resolvePool2d('maxPool2d', x.shape, options, ref.MAX_POOL2D_OPTIONS);
  for (let plane = 0; plane < g.batch * g.channels; plane++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const cells: number[] = [];
        for (let i = 0; i < g.kernelH; i++) {
          const h = oh * g.strideH - g.padTop + i * g.dilationH;
          if (h < 0 || h >= g.inH) continue;
          for (let j = 0; j < g.kernelW; j++) {
            const w = ow * g.strideW - g.padLeft + j * g.dilationW;
            if (w >= 0 && w < g.inW) cells.push(x.data[(plane * g.inH + h) * g.inW + w]);
          }
        }
        if (cells.length === 0 || cells.some(Number.isNaN) || cells.every((v) => v === -Infinity)) return true;
      }
    }
  }
  return false;
}

/** The rows of a rows case's x. */
const rowsOf = (c: RowsCase): number[][] => {
  const { x } = rowsInputs(c);
  return Array.from({ length: c.rows }, (_, n) => Array.from(x.data.subarray(n * c.columns, (n + 1) * c.columns)));
};

const hasNaN = (c: RowsCase) => rowsInputs(c).x.data.some(Number.isNaN);

/**
 * ORT's WebGPU Softmax differs on a row holding a NaN or +Infinity and a cell that is neither (that
 * cell gives 0), or a row of only -Infinity (its sum is 0: every cell 0).
 */
const softmaxRowDiffers = (c: RowsCase) =>
  rowsOf(c).some((row) =>
    (row.some((v) => Number.isNaN(v) || v === Infinity) && row.some((v) => !Number.isNaN(v) && v !== Infinity)) || row.every((v) => v === -Infinity));

const wasmWhen = (property: string) => onWasm.find((d) => d.property === property)?.when;

export const expectedDifferences: readonly ExpectedDifference[] = [
  {
    property: 'maxpool2d-equals-reference',
    reason:
      'ORT\'s WebGPU MaxPool starts every window at -3.4028234663852886e38 and skips padding, so a dilated window that covers only padding gives -3.4028235e38; ' +
      'PyTorch pads with -Infinity, so such a window gives -Infinity (the wasm provider\'s MLAS kernel does the same)',
    when: wasmWhen('maxpool2d-equals-reference'),
  },
  {
    property: 'nan-propagates-like-reference',
    reason:
      'ORT\'s WebGPU MaxPool takes `value = max(value, x_val)` from -3.4028234663852886e38, and SwiftShader\'s WGSL max drops a NaN (WGSL lets an implementation assume no NaN): ' +
      'a window holding a NaN gives the largest of its other cells, a window of only NaN or -Infinity gives -3.4028235e38, and so does one covering only padding; ' +
      'PyTorch\'s max pooling returns NaN for a window holding one, -Infinity for one of -Infinity, and pads with -Infinity',
    when: (c: NanCase) => c.op === 'pool' && c.c.kind === 'max' && maxPoolWindowDiffers(nanCaseInput(c), c.c.options),
  },
  {
    property: 'sigmoid-equals-reference',
    reason:
      'ORT\'s WebGPU Sigmoid is `1.0 / (1.0 + exp(-a))` in WGSL, and SwiftShader\'s exp of a NaN is +Infinity (WGSL lets an implementation assume no NaN), so sigmoid(NaN) = 0; PyTorch gives NaN',
    when: hasNaN,
  },
  {
    property: 'relu-equals-reference',
    reason: 'ORT\'s WebGPU Relu is `select(0, a, a > 0)` in WGSL: NaN > 0 is false, so relu(NaN) = 0; PyTorch\'s relu keeps NaN',
    when: hasNaN,
  },
  {
    property: 'softmax-equals-reference',
    reason:
      'ORT\'s WebGPU Softmax takes the row maximum with WGSL max from -3.402823e38, which drops a NaN on SwiftShader, and its exp(NaN) is +Infinity: in a row holding a NaN or +Infinity ' +
      '(x - max NaN) the sum is +Infinity, so those cells give NaN and every other cell 0 ([NaN, 1, 2] gives [NaN, 0, 0]); and a row of only -Infinity sums to 0, which the kernel turns into 0s. ' +
      'PyTorch\'s softmax gives NaN across such rows',
    when: softmaxRowDiffers,
  },
];
