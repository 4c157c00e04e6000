/**
 * TensorFlow.js's webgpu backend as a backend module. It runs only in a browser page with WebGPU
 * (bundled for the browser): `npm run matrix` runs it in headless Chromium (properties/browser/runtimesPage.ts,
 * properties/matrix/chromium.ts). Its expected differences are tfjs's (see tfjs.ts).
 */
import { createTfjsBackend, tfjsExpectedDifferences } from './tfjs.ts';

export const createBackend = () => createTfjsBackend({ backend: 'webgpu' });

export const expectedDifferences = tfjsExpectedDifferences('webgpu');
