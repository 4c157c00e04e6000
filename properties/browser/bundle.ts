/** Builds the page's script with esbuild: kernels/, the property suite and the bench cases, for the browser. */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const BROWSER_BUILD_DIR = join(here, '..', '..', '.cache', 'browser');

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
