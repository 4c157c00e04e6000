/**
 * `node:module` for the browser bundle: the gpu.js runtime loads gpu.js with `createRequire`; in a
 * page, gpu.js's browser build has already defined `window.GPU` (served as its own script).
 */
export function createRequire(): (name: string) => unknown {
  return (name: string) => {
    const GPU = (globalThis as { GPU?: unknown }).GPU;
    if (name === 'gpu.js' && GPU) return GPU;
    throw new Error(`${name} is not available in this page${name === 'gpu.js' ? ': load gpu-browser.js first' : ''}.`);
  };
}
