// This project's gpu.js webgl backend as a backend module (the conformance matrix's repros import it).
// It runs only in a browser page with WebGL, not under Node. Bundle the repro for a page as
// properties/browser/bundle.ts's buildRuntimesPage does: gpu.js's browser build loaded first
// (window.GPU), node:module aliased to properties/browser/nodeModuleShim.ts.
// `npm run matrix` runs this runtime in headless Chromium (properties/matrix/chromium.ts).
import { createGpuJsBackend } from "../../../kernels/gpujs/index.ts";

export const createBackend = () => createGpuJsBackend("webgl");
