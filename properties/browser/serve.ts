/**
 * `npm run serve`: the harness page for your own browser and GPU. Open the printed address, then run
 * the conformance suite or the benchmark on webgl2, webgl or webgpu from the buttons.
 */
import { parseArgs } from 'node:util';
import { startHarnessServer } from './server.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' } } });
const server = await startHarnessServer(Number(values.port));
console.log(`harness page: ${server.url}  (127.0.0.1 only; WebGPU needs a secure context, which localhost is). Ctrl-C stops it.`);
