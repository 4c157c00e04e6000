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

type ConvCase = { readonly xShape: readonly number[]; readonly weightShape: readonly number[]; readonly hasBias?: boolean; readonly options?: ref.Conv2dOptions };

/**
 * Whether ORT's WebGPU Conv (conv.cc) takes its MatMul shortcut on a case where that is wrong: with
 * groups 1 and no top or left padding it runs a 1x1 kernel of stride 1, or (channels-last, as the
 * provider lays Conv out) a kernel the size of the input, as a MatMul over the input's pixels, checking
 * only the head padding: the bottom and right padding (and dilation) are ignored, so the output's
 * values land in the wrong places or are never written. Lucky cases it gets right by accident are left
 * out: a 1x1 kernel with bottom padding alone on one image (the extra rows read as 0, plus the bias),
 * and a whole-input kernel on one image without bias whose other windows cover only padding (unwritten: 0).
 */
function convShortcutDiffers(c: ConvCase): boolean {
  const g = ref.resolveConv2d('conv2d', c.xShape, c.weightShape, c.hasBias ? [c.weightShape[0]] : null, c.options ?? {});
  if (g.groups !== 1 || g.padTop !== 0 || g.padLeft !== 0) return false;
  if (g.kernelH === 1 && g.kernelW === 1 && g.strideH === 1 && g.strideW === 1) return g.padRight > 0 || (g.padBottom > 0 && g.batch > 1);
  if (g.kernelH !== g.inH || g.kernelW !== g.inW) return false;
  if (g.dilationH > 1 || g.dilationW > 1) return true;
  if ((g.padBottom === 0 && g.padRight === 0) || g.outH * g.outW === 1) return false;
  const othersOnlyPadding = Array.from({ length: g.outH * g.outW }, (_, k) => [Math.floor(k / g.outW), k % g.outW]).every(
    ([i, j]) => (i === 0 && j === 0) || i * g.strideH >= g.inH || j * g.strideW >= g.inW);
  return !(g.batch === 1 && !g.hasBias && othersOnlyPadding);
}

/**
 * Whether ORT's WebGPU Conv runs its general kernel (Conv2dMMProgram, channels-last) with three input
 * channels per read: input channels a multiple of 3 but not of 4, output channels a multiple of 4
 * (is_vec4 with inner element size 3). Past 3 input channels its values are wrong.
 */
function convVec3Differs(c: ConvCase): boolean {
  const g = ref.resolveConv2d('conv2d', c.xShape, c.weightShape, null, c.options ?? {});
  const shortcut = g.padTop === 0 && g.padLeft === 0 &&
    ((g.kernelH === 1 && g.kernelW === 1 && g.strideH === 1 && g.strideW === 1) || (g.kernelH === g.inH && g.kernelW === g.inW));
  return g.groups === 1 && !shortcut && g.inChannels > 3 && g.inChannels % 3 === 0 && g.inChannels % 4 !== 0 && g.outChannels % 4 === 0;
}

const CONV_VEC3 =
  'ORT\'s WebGPU Conv (Conv2dMMProgram, channels-last) reads the input three channels at a time when their number is a multiple of 3 but not of 4 and the output channels a multiple of 4 ' +
  '(is_vec4, inner element size 3), and its values are wrong once there are more than 3 input channels (x [1, 6, 1, 1], w [4, 6, 1, 1], padding left 1: 4 of 8 outputs wrong, ' +
  '-0.8165 for -0.9881); PyTorch\'s conv2d has no such layout rule';

const CONV_SHORTCUT =
  'ORT\'s WebGPU Conv runs a 1x1 kernel of stride 1, or a kernel the size of the input, as a MatMul over the input\'s pixels whenever the top and left padding are 0 (conv.cc checks only pads[0] and pads[1]), ' +
  'ignoring the bottom and right padding and the dilation: the output\'s values land in the wrong places or are not written (x [1, 1, 2, 1] = [1, 0.5], w [1, 1, 1, 1] = 1, padding right 1 gives ' +
  '[[1, 0.5], [0, 0]] for [[1, 0], [0.5, 0]]); PyTorch pads first';

/** The rows of a rows case's x. */
const rowsOf = (c: RowsCase): number[][] => {
  const { x } = rowsInputs(c);
  return Array.from({ length: c.rows }, (_, n) => Array.from(x.data.subarray(n * c.columns, (n + 1) * c.columns)));
};

const hasNaN = (c: RowsCase) => rowsInputs(c).x.data.some(Number.isNaN);

/** ORT's WebGPU Softmax differs on a row holding a NaN or +Infinity, or of only -Infinity: it gives 0 across that row. */
const softmaxRowDiffers = (c: RowsCase) => rowsOf(c).some((row) => row.some((v) => Number.isNaN(v) || v === Infinity) || row.every((v) => v === -Infinity));

const wasmWhen = (property: string) => onWasm.find((d) => d.property === property)?.when;

export const expectedDifferences: readonly ExpectedDifference[] = [
  {
    property: 'maxpool2d-equals-reference',
    reason:
      'ORT\'s WebGPU MaxPool starts every window at -3.4028234663852886e38 and skips padding, so a dilated window that covers only padding gives -3.4028235e38; ' +
      'PyTorch pads with -Infinity, so such a window gives -Infinity (the wasm provider\'s MLAS kernel does the same)',
    when: wasmWhen('maxpool2d-equals-reference'),
  },
  { property: 'conv2d-forward-equals-reference', reason: `${CONV_SHORTCUT}; and ${CONV_VEC3}`, when: (c: ConvCase) => convShortcutDiffers(c) || convVec3Differs(c) },
  {
    property: 'nan-propagates-like-reference',
    reason:
      'ORT\'s WebGPU MaxPool takes `value = max(value, x_val)` from -3.4028234663852886e38, and SwiftShader\'s WGSL max drops a NaN (WGSL lets an implementation assume no NaN): ' +
      'a window holding a NaN gives the largest of its other cells, a window of only NaN or -Infinity gives -3.4028235e38, and so does one covering only padding; ' +
      'PyTorch\'s max pooling returns NaN for a window holding one, -Infinity for one of -Infinity, and pads with -Infinity. ' +
      `And its conv: ${CONV_SHORTCUT}; and ${CONV_VEC3}`,
    when: (c: NanCase) =>
      // The NaN property's conv has no bias.
      c.op === 'conv' ? convShortcutDiffers({ ...(c.c as unknown as ConvCase), hasBias: false }) || convVec3Differs(c.c as unknown as ConvCase) : c.c.kind === 'max' && maxPoolWindowDiffers(nanCaseInput(c), c.c.options),
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
      'ORT\'s WebGPU Softmax gives 0 across a row holding a NaN or +Infinity ([NaN] gives 0, [1, 2, NaN] gives [0, 0, 0]): on SwiftShader ' +
      '(WGSL lets an implementation assume no NaN) the row\'s sum of exp(x - max) apparently passes the kernel\'s `row_sum == 0` test, whose branch writes 0s; and across a row of only -Infinity, whose sum is 0 (x - max from -3.402823e38). ' +
      'PyTorch\'s softmax gives NaN across such rows',
    when: softmaxRowDiffers,
  },
];
