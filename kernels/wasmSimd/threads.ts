/**
 * The wasm-simd backend's helper threads: worker_threads that instantiate the same module over the
 * same shared WebAssembly.Memory and run one exported kernel at a time on request. Created once with
 * the backend and reused; they do not keep the process alive between jobs.
 */
import { Worker } from 'node:worker_threads';

// Plain CommonJS, evaluated in the worker: no loader or build step needed for it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { bytes, memory } = workerData;
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
  env: { memory, abort() { throw new Error('a wasm-simd kernel aborted'); } },
});
parentPort.on('message', ({ fn, args }) => {
  try {
    instance.exports[fn](...args);
    parentPort.postMessage({ ok: true });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String((error && error.message) || error) });
  }
});
parentPort.postMessage({ ready: true });
`;

interface Helper {
  readonly worker: Worker;
  readonly ready: Promise<void>;
}

export class WasmThreadPool {
  private readonly helpers: Helper[];

  /** `count` helper threads (the calling thread is the pool's other worker). */
  constructor(bytes: Uint8Array, memory: WebAssembly.Memory, count: number) {
    this.helpers = Array.from({ length: count }, () => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes, memory } });
      worker.unref();
      const ready = new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        worker.once('error', onError);
        worker.once('message', () => {
          worker.off('error', onError);
          resolve();
        });
      });
      ready.catch(() => {}); // reported by call(), not as an unhandled rejection
      return { worker, ready };
    });
  }

  get size(): number {
    return this.helpers.length;
  }

  /** Runs the module's export `fn(...args)` on helper `index`; resolves when it returns. */
  async call(index: number, fn: string, args: readonly number[]): Promise<void> {
    const { worker, ready } = this.helpers[index];
    await ready;
    worker.ref(); // keep the process alive while a job is in flight
    try {
      const reply = await new Promise<{ ok: boolean; error?: string }>((resolve, reject) => {
        const onMessage = (message: { ok: boolean; error?: string }) => {
          worker.off('error', onError);
          resolve(message);
        };
        const onError = (error: Error) => {
          worker.off('message', onMessage);
          reject(error);
        };
        worker.once('message', onMessage);
        worker.once('error', onError);
        worker.postMessage({ fn, args });
      });
      if (!reply.ok) throw new Error(`wasm-simd helper thread ${index}: ${fn} failed: ${reply.error}`);
    } finally {
      worker.unref();
    }
  }

  terminate(): void {
    for (const h of this.helpers) void h.worker.terminate();
  }
}
