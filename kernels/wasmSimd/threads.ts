/**
 * The wasm-simd backend's helper threads: worker_threads that instantiate the same module over the
 * same shared WebAssembly.Memory and run one exported kernel at a time on request. Created once with
 * the backend and reused; they do not keep the process alive between jobs.
 */
import { Worker } from 'node:worker_threads';

// Plain CommonJS, evaluated in the worker: no loader or build step needed for it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory } = workerData;
const instance = new WebAssembly.Instance(module, {
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
  isReady: boolean;
}

export class WasmThreadPool {
  private readonly helpers: Helper[];

  /**
   * `count` helper threads (the calling thread is the pool's other worker). They get the compiled
   * module itself, not its bytes: V8 shares the compiled code, so the optimized (tiered-up) kernels
   * of the main thread are the helpers' too, instead of each helper running baseline code.
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number) {
    this.helpers = Array.from({ length: count }, () => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory } });
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
      const helper: Helper = { worker, ready, isReady: false };
      void ready.then(() => {
        helper.isReady = true;
      });
      return helper;
    });
  }

  get size(): number {
    return this.helpers.length;
  }

  /**
   * Runs the module's export `fn(...args)` on helper `index`; resolves when it returns. The message
   * is posted before this returns (once the helper is up), so the caller's own share of the work
   * runs at the same time: an `await` before posting would serialize the two.
   */
  call(index: number, fn: string, args: readonly number[]): Promise<void> {
    const helper = this.helpers[index];
    return helper.isReady ? this.post(helper, index, fn, args) : helper.ready.then(() => this.post(helper, index, fn, args));
  }

  private post(helper: Helper, index: number, fn: string, args: readonly number[]): Promise<void> {
    const { worker } = helper;
    worker.ref(); // keep the process alive while a job is in flight
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.unref();
      };
      const onMessage = (reply: { ok: boolean; error?: string }) => {
        done();
        if (reply.ok) resolve();
        else reject(new Error(`wasm-simd helper thread ${index}: ${fn} failed: ${reply.error}`));
      };
      const onError = (error: Error) => {
        done();
        reject(error);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage({ fn, args });
    });
  }

  terminate(): void {
    for (const h of this.helpers) void h.worker.terminate();
  }
}
