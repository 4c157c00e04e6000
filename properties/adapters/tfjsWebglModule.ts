/**
 * TensorFlow.js's webgl backend as a backend module. It runs only in a browser page with WebGL
 * (bundled for the browser): `npm run matrix` runs it in headless Chromium (properties/browser/runtimesPage.ts,
 * properties/matrix/chromium.ts). Its expected differences are tfjs's (see tfjs.ts).
 */
import { createTfjsBackend, tfjsExpectedDifferences } from './tfjs.ts';

export const createBackend = () => createTfjsBackend({ backend: 'webgl' });

export const expectedDifferences = tfjsExpectedDifferences('webgl');
