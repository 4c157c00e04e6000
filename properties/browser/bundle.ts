/** Builds the page's script with esbuild: kernels/, the property suite and the bench cases, for the browser. */
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const BROWSER_BUILD_DIR = join(here, '..', '..', '.cache', 'browser');
/** ONNX Runtime Web's browser builds and their .wasm/.mjs files (its package exports no package.json); asked only for the runtimes page. */
export const ortDist = (): string => dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

export async function buildHarness(): Promise<string> {
  const outfile = join(BROWSER_BUILD_DIR, 'harness.js');
  await build({
    entryPoints: [join(here, 'harness.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile,
    sourcemap: 'linked',
    logLevel: 'warning',
    alias: { 'node:module': join(here, 'nodeModuleShim.ts') },
    // gpu.js arrives as its own browser build (window.GPU); the runtime reaches it through the shim.
    external: ['gpu.js', 'webgpu'],
  });
  return outfile;
}

/**
 * The runtimes page's script (runtimesPage.ts): the conformance matrix on the browser runtimes
 * (tfjs webgl and webgpu, ONNX Runtime Web webgpu, gpu.js webgl2, webgl and webgpu).
 * `onnxruntime-web` is its webgpu build, which fetches its .wasm and .mjs from /ort/ (server.ts).
 */
export async function buildRuntimesPage(): Promise<string> {
  const outfile = join(BROWSER_BUILD_DIR, 'runtimesPage.js');
  await build({
    entryPoints: [join(here, 'runtimesPage.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile,
    sourcemap: 'linked',
    logLevel: 'warning',
    alias: { 'node:module': join(here, 'nodeModuleShim.ts'), 'onnxruntime-web': join(ortDist(), 'ort.webgpu.min.mjs') },
    // tfjs's wasm backend is never asked for here (its dynamic import stays unresolved).
    external: ['gpu.js', 'webgpu', '@tensorflow/tfjs-backend-wasm'],
  });
  return outfile;
}
