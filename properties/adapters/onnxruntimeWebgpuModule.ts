/**
 * ONNX Runtime Web on its webgpu execution provider as a backend module. It runs only in a browser
 * page with WebGPU, with 'onnxruntime-web' bundled as its webgpu build (dist/ort.webgpu.min.mjs) and
 * its .wasm/.mjs files served where `ort.env.wasm.wasmPaths` points: `npm run matrix` runs it so in
 * headless Chromium (properties/browser/runtimesPage.ts, properties/matrix/chromium.ts).
 * Forward operations only, as on wasm (see onnxruntime.ts).
 */
import type { ExpectedDifference } from '../suite.ts';
import { createOnnxRuntimeBackend } from './onnxruntime.ts';

export const createBackend = () => createOnnxRuntimeBackend({ executionProvider: 'webgpu' });

/** None found by the suite at its seed; the matrix lists the cells where it differs (properties/matrix/runtimes.ts). */
export const expectedDifferences: readonly ExpectedDifference[] = [];
