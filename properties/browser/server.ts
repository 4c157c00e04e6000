/**
 * Serves the harness page on 127.0.0.1 (a secure context: WebGPU is exposed there): the page, the
 * bundled harness, and gpu.js's browser build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BROWSER_BUILD_DIR, buildHarness, buildRuntimesPage, ortDist } from './bundle.ts';
import { PAGE_HTML } from './page.ts';

export interface HarnessServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The runtimes page (runtimesPage.ts, driven by properties/matrix/chromium.ts): gpu.js's browser build, then the bundle. */
const RUNTIMES_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>d2l convnet harness: the conformance matrix's browser runtimes</title></head>
<body><p>The conformance matrix's browser runtimes: <code>window.runtimes</code> (driven by npm run matrix).</p>
<script src="/gpu-browser.js"></script>
<script type="module" src="/runtimesPage.js"></script>
</body></html>
`;

/** `runtimesPage`: also build and serve the runtimes page at /runtimes, with ONNX Runtime Web's .wasm/.mjs files under /ort/. */
export async function startHarnessServer(port = 0, options: { runtimesPage?: boolean } = {}): Promise<HarnessServer> {
  await buildHarness();
  if (options.runtimesPage) await buildRuntimesPage();
  const require = createRequire(import.meta.url);
  const gpujs = join(dirname(require.resolve('gpu.js/package.json')), 'dist', 'gpu-browser.min.js');
  const files: Record<string, { path?: string; body?: string; type: string }> = {
    '/': { body: PAGE_HTML, type: 'text/html; charset=utf-8' },
    '/harness.js': { path: join(BROWSER_BUILD_DIR, 'harness.js'), type: 'text/javascript' },
    '/harness.js.map': { path: join(BROWSER_BUILD_DIR, 'harness.js.map'), type: 'application/json' },
    '/gpu-browser.js': { path: gpujs, type: 'text/javascript' },
    ...(options.runtimesPage ? {
      '/runtimes': { body: RUNTIMES_HTML, type: 'text/html; charset=utf-8' },
      '/runtimesPage.js': { path: join(BROWSER_BUILD_DIR, 'runtimesPage.js'), type: 'text/javascript' },
      '/runtimesPage.js.map': { path: join(BROWSER_BUILD_DIR, 'runtimesPage.js.map'), type: 'application/json' },
      ...Object.fromEntries(readdirSync(ortDist()).filter((f) => /^ort-wasm.*\.(wasm|mjs)$/.test(f))
        .map((f) => [`/ort/${f}`, { path: join(ortDist(), f), type: f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' }])),
    } : {}),
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = files[path];
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    res.end(file.body ?? readFileSync(file.path as string));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
