/**
 * The runtimes the conformance matrix judges: each a backend module (as the harness's command takes
 * it: `createBackend` and the suite's `expectedDifferences`), where it runs, and what the matrix
 * already knows it does differently from PyTorch (cell id → why). A cell that differs without an
 * explanation is reported as unexplained; an explanation whose cell passes is reported as stale.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MatrixRuntime {
  /** The backend's name, as its reports name it. */
  readonly name: string;
  /** Who made it, which version, which execution path. */
  readonly title: string;
  readonly where: 'node' | 'chromium';
  /**
   * The backend module, relative to the repository's root, that repros import. A string is a module
   * file; `{ backend }` is one of this project's own backends (kernels/index.ts's createBackend).
   */
  readonly module: string | { readonly backend: string };
  /** Matrix cells (`matrix:<op>:<column>`) this runtime is known to fail, and why, naming PyTorch's behaviour. */
  readonly explained: Readonly<Record<string, string>>;
}

const NODE_MODULES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');
/** An installed package's version (the matrix says which release it judged); read from disk, as not every package exports its package.json. */
export function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(NODE_MODULES, ...name.split('/'), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Where a tfjs pool's ceil-mode output shape departs from PyTorch's (every tfjs backend: tfjs-core computes the shape). */
const TFJS_CEIL_SHAPES =
  'ceil-mode output shapes: tfjs takes ceil mode only with one padding number, computes the width from the window\'s height and stride there, and rounds up without PyTorch\'s rule that the last window must start inside the input or its leading padding';

/** What the matrix knows of tfjs-cpu (the kernels of @tensorflow/tfjs-backend-cpu). */
const TFJS_CPU_EXPLAINED: Readonly<Record<string, string>> = {
  'matrix:maxPool2d:ceil-mode': TFJS_CEIL_SHAPES,
  'matrix:maxPool2dBackward:ceil-mode': `${TFJS_CEIL_SHAPES}; the gradient is that of tfjs's own output, so the windows PyTorch adds get none`,
  'matrix:avgPool2d:ceil-mode': `${TFJS_CEIL_SHAPES}; and tfjs never counts padding in the divisor`,
  'matrix:avgPool2dBackward:ceil-mode': `${TFJS_CEIL_SHAPES}; the gradient is that of tfjs's own output, so the windows PyTorch adds get none`,
  'matrix:avgPool2d:padding': 'tfjs never counts padding cells in the divisor; PyTorch\'s default, countIncludePad: true, does',
  'matrix:avgPool2d:padding-per-side': 'tfjs never counts padding cells in the divisor; PyTorch\'s default, countIncludePad: true, does',
  'matrix:avgPool2dBackward:exclude-pad':
    'not the gradient of its own forward: tfjs\'s forward divides by the input cells of each window, but its backward divides by the whole window, padding included; PyTorch\'s backward uses its forward\'s divisor',
  'matrix:maxPool2d:nan': 'tfjs\'s max pool skips NaN (every comparison with NaN is false) and returns the largest other value; PyTorch\'s max pooling propagates NaN',
  'matrix:maxPool2dBackward:nan': 'tfjs routes no gradient to a NaN maximum; PyTorch treats NaN as the window\'s maximum and routes the gradient to it',
};

/** What the matrix knows of ONNX Runtime Web's wasm provider (its CPU kernels, MLAS). */
const ONNXRUNTIME_WASM_EXPLAINED: Readonly<Record<string, string>> = {
  'matrix:maxPool2d:dilation-padding':
    'a dilated window that sees only padding gives -3.4028235e38: ONNX Runtime starts each window at the lowest finite float32 and skips padding; PyTorch pads with -Infinity, so such a window gives -Infinity',
  'matrix:maxPool2d:nan':
    'ONNX Runtime\'s max pool keeps its running maximum when the next value is NaN (std::max), so NaN is lost unless it comes first, and a window of only NaN gives -3.4028235e38; PyTorch\'s max pooling propagates NaN',
};

/** ONNX Runtime Web's webgpu provider, as observed in the page: the same values as its CPU kernels (wasm) give. */
const ONNXRUNTIME_WEBGPU_EXPLAINED: Readonly<Record<string, string>> = {
  'matrix:maxPool2d:dilation-padding':
    'a dilated window that sees only padding gives -3.4028235e38 (the lowest finite float32), as ONNX Runtime\'s CPU kernels do; PyTorch pads with -Infinity, so such a window gives -Infinity',
  'matrix:maxPool2d:nan':
    'a window holding NaN loses it (a window of only NaN gives -3.4028235e38), as ONNX Runtime\'s CPU kernels do; PyTorch\'s max pooling propagates NaN',
};

/** tfjs-wasm's MaxPoolGrad (its own C++ kernel, not XNNPACK's) and the cells it breaks. */
const TFJS_WASM_MAX_GRADIENT =
  'tfjs-wasm\'s max-pool gradient starts each window\'s maximum at FLT_MIN (2^-126, not -Infinity) and compares with >=: a window whose ' +
  'maximum is not positive sends its gradient to x\'s first element or nowhere, and a tie goes to the last maximum; PyTorch routes it to the window\'s first maximum';

/** What the matrix knows of tfjs-wasm (@tensorflow/tfjs-backend-wasm: XNNPACK's pools, its own gradients). */
const TFJS_WASM_EXPLAINED: Readonly<Record<string, string>> = {
  ...Object.fromEntries(['defaults', 'padding', 'padding-per-side', 'stride', 'nan', 'ties', 'large'].map((column) => [`matrix:maxPool2dBackward:${column}`, TFJS_WASM_MAX_GRADIENT])),
  'matrix:maxPool2d:ceil-mode': `XNNPACK writes only the floor-mode windows into tfjs's output, so the rest holds stale memory (1.6e-40 here), and ${TFJS_CEIL_SHAPES}`,
  'matrix:avgPool2d:ceil-mode': `XNNPACK writes only the floor-mode windows into tfjs's output, so the rest holds stale memory, and ${TFJS_CEIL_SHAPES}`,
  'matrix:maxPool2dBackward:ceil-mode': TFJS_CPU_EXPLAINED['matrix:maxPool2dBackward:ceil-mode'],
  'matrix:avgPool2dBackward:ceil-mode': TFJS_CPU_EXPLAINED['matrix:avgPool2dBackward:ceil-mode'],
  'matrix:avgPool2d:padding': TFJS_CPU_EXPLAINED['matrix:avgPool2d:padding'],
  'matrix:avgPool2d:padding-per-side': TFJS_CPU_EXPLAINED['matrix:avgPool2d:padding-per-side'],
  'matrix:avgPool2dBackward:exclude-pad': TFJS_CPU_EXPLAINED['matrix:avgPool2dBackward:exclude-pad'],
  'matrix:maxPool2d:nan': 'XNNPACK\'s max pool turns a window holding NaN into -Infinity or drops the NaN; PyTorch\'s max pooling propagates NaN',
  'matrix:avgPool2d:nan': 'XNNPACK\'s average pool turns a window holding NaN into -Infinity; PyTorch gives NaN',
};

/**
 * tfjs's webgl and webgpu backends: tfjs-core's shapes and pooling rules as on cpu, but their max-pool
 * gradient (a 0/1 mask of each window's maximum times dy) sends a tie to the last maximum.
 */
const TFJS_GPU_EXPLAINED: Readonly<Record<string, string>> = {
  ...TFJS_CPU_EXPLAINED,
  'matrix:maxPool2dBackward:ties': 'tfjs\'s GPU max-pool gradient sends a tied window\'s gradient to its last maximum; PyTorch sends it to the first, in row-major order',
  'matrix:maxPool2dBackward:nan': 'tfjs\'s GPU max-pool gradient gives NaN where PyTorch gives 0, and no gradient to a NaN maximum: PyTorch adds each window\'s dy to its maximum only, NaN counting as the maximum',
};

const TFJS = `TensorFlow.js ${packageVersion('@tensorflow/tfjs-core')}`;
const ORT = `ONNX Runtime Web ${packageVersion('onnxruntime-web')}`;
const GPUJS = `this project: gpu.js ${packageVersion('gpu.js')}`;

export const MATRIX_RUNTIMES: readonly MatrixRuntime[] = [
  { name: 'wasm-simd', title: 'this project: WebAssembly SIMD', where: 'node', module: { backend: 'wasm-simd' }, explained: {} },
  { name: 'cpu', title: `${GPUJS} cpu`, where: 'node', module: { backend: 'cpu' }, explained: {} },
  { name: 'webasm', title: `${GPUJS} webasm`, where: 'node', module: { backend: 'webasm' }, explained: {} },
  { name: 'headlessgl', title: `${GPUJS} headlessgl`, where: 'node', module: { backend: 'headlessgl' }, explained: {} },
  { name: 'tfjs-cpu', title: `${TFJS} cpu`, where: 'node', module: 'properties/adapters/tfjsCpuModule.ts', explained: TFJS_CPU_EXPLAINED },
  { name: 'tfjs-wasm', title: `${TFJS} wasm`, where: 'node', module: 'properties/adapters/tfjsWasmModule.ts', explained: TFJS_WASM_EXPLAINED },
  { name: 'onnxruntime-web-wasm', title: `${ORT} wasm`, where: 'node', module: 'properties/adapters/onnxruntimeWasmModule.ts', explained: ONNXRUNTIME_WASM_EXPLAINED },
  // In headless Chromium (properties/matrix/chromium.ts): SwiftShader's WebGL2 and its WebGPU fallback adapter here; your GPU on yours.
  { name: 'browser-webgl2', title: `${GPUJS} webgl2 (headless Chromium)`, where: 'chromium', module: { backend: 'webgl2' }, explained: {} },
  { name: 'browser-webgl', title: `${GPUJS} webgl (headless Chromium)`, where: 'chromium', module: { backend: 'webgl' }, explained: {} },
  { name: 'browser-webgpu', title: `${GPUJS} webgpu (headless Chromium)`, where: 'chromium', module: { backend: 'webgpu' }, explained: {} },
  { name: 'tfjs-webgl', title: `${TFJS} webgl (headless Chromium)`, where: 'chromium', module: 'properties/adapters/tfjsWebglModule.ts', explained: TFJS_GPU_EXPLAINED },
  { name: 'tfjs-webgpu', title: `${TFJS} webgpu (headless Chromium)`, where: 'chromium', module: 'properties/adapters/tfjsWebgpuModule.ts', explained: TFJS_GPU_EXPLAINED },
  { name: 'onnxruntime-web-webgpu', title: `${ORT} webgpu (headless Chromium)`, where: 'chromium', module: 'properties/adapters/onnxruntimeWebgpuModule.ts', explained: ONNXRUNTIME_WEBGPU_EXPLAINED },
];
