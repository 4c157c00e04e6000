/**
 * The wasm-simd backend's helper threads: worker_threads that instantiate the same module over the
 * same shared WebAssembly.Memory and run one exported kernel at a time on request. Created once with
 * the backend and reused; they do not keep the process alive between jobs.
 *
 * Jobs go through a small shared control block, not messages: the caller writes the kernel and its
 * arguments, bumps a counter and notifies; the helper spins on that counter for a while after each
 * job (then sleeps in Atomics.wait), and the caller spins on the helper's done counter once its own
 * share is done. A message each way cost 110-140 µs of round trip when the helper had been idle for
 * 1-5 ms (the OS waking a sleeping thread, twice), on every threaded operation of a training step.
 */
import { Worker } from 'node:worker_threads';

/** Int32 slots of the control block. */
const SEQ = 0; // jobs posted (the caller bumps it)
const DONE = 1; // jobs finished (the helper sets it to the job's SEQ)
const STATUS = 2; // 0 ok, 1 the kernel threw (its message in the error bytes)
const FN = 3; // the kernel: its index among the module's exports
const ARGC = 4;
const ERROR_LENGTH = 5;
const HEADER_BYTES = 64;
const MAX_ARGS = 64;
const ERROR_BYTES = 512;
const CONTROL_BYTES = HEADER_BYTES + 8 * MAX_ARGS + ERROR_BYTES;

export interface ThreadPoolOptions {
  /** How long a helper spins for its next job before it sleeps in Atomics.wait. Default 2 (ms): a training step's gaps between threaded operations. */
  readonly helperSpinMs?: number;
  /** How long the caller spins for a helper's job before it waits through the event loop (Atomics.waitAsync). Default 20 (ms). */
  readonly callerSpinMs?: number;
}

// Plain CommonJS, evaluated in the worker: no loader or build step needed for it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, spinMs } = workerData;
const instance = new WebAssembly.Instance(module, {
  env: { memory, abort() { throw new Error('a wasm-simd kernel aborted'); } },
});
const names = WebAssembly.Module.exports(module).map((e) => e.name);
const ctl = new Int32Array(control, 0, ${HEADER_BYTES / 4});
const args = new Float64Array(control, ${HEADER_BYTES}, ${MAX_ARGS});
const errorBytes = new Uint8Array(control, ${HEADER_BYTES + 8 * MAX_ARGS}, ${ERROR_BYTES});
parentPort.postMessage({ ready: true });
let last = 0;
for (;;) {
  let seq = Atomics.load(ctl, ${SEQ});
  if (seq === last) {
    const start = performance.now();
    for (let i = 1; (seq = Atomics.load(ctl, ${SEQ})) === last; i++) {
      if ((i & 1023) === 0 && performance.now() - start > spinMs) {
        Atomics.wait(ctl, ${SEQ}, last);
      }
    }
  }
  last = seq;
  try {
    instance.exports[names[ctl[${FN}]]](...args.subarray(0, ctl[${ARGC}]));
    ctl[${STATUS}] = 0;
  } catch (error) {
    const text = new TextEncoder().encode(String((error && error.message) || error)).subarray(0, ${ERROR_BYTES});
    errorBytes.set(text);
    ctl[${ERROR_LENGTH}] = text.length;
    ctl[${STATUS}] = 1;
  }
  Atomics.store(ctl, ${DONE}, seq);
  Atomics.notify(ctl, ${DONE});
}
`;

/** Atomics.waitAsync (Node 16+, V8 8.7+; ES2024, newer than this project's TypeScript lib). */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

interface Helper {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly ctl: Int32Array;
  readonly args: Float64Array;
  readonly errorBytes: Uint8Array;
  isReady: boolean;
  /** Set once the worker errs or exits: no job will finish. */
  failure: Error | null;
}

/** A job posted to a helper; `wait()` resolves when it has run (rejects with the kernel's error). */
export interface HelperJob {
  wait(): Promise<void>;
}

export class WasmThreadPool {
  private readonly helpers: Helper[];
  private readonly exportIndex: Map<string, number>;
  private readonly callerSpinMs: number;

  /**
   * `count` helper threads (the calling thread is the pool's other worker). They get the compiled
   * module itself, not its bytes: V8 shares the compiled code, so the optimized (tiered-up) kernels
   * of the main thread are the helpers' too, instead of each helper running baseline code.
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number, options: ThreadPoolOptions = {}) {
    this.callerSpinMs = options.callerSpinMs ?? 20;
    this.exportIndex = new Map(WebAssembly.Module.exports(module).map((e, i) => [e.name, i]));
    this.helpers = Array.from({ length: count }, () => {
      const control = new SharedArrayBuffer(CONTROL_BYTES);
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, spinMs: options.helperSpinMs ?? 2 } });
      worker.unref();
      const helper: Helper = {
        worker,
        ready: new Promise<void>((resolve, reject) => {
          worker.once('error', reject);
          worker.once('message', () => resolve());
        }),
        ctl: new Int32Array(control, 0, HEADER_BYTES / 4),
        args: new Float64Array(control, HEADER_BYTES, MAX_ARGS),
        errorBytes: new Uint8Array(control, HEADER_BYTES + 8 * MAX_ARGS, ERROR_BYTES),
        isReady: false,
        failure: null,
      };
      helper.ready.catch(() => {}); // reported by the job, not as an unhandled rejection
      void helper.ready.then(() => {
        helper.isReady = true;
      });
      worker.on('error', (error) => {
        helper.failure ??= error;
      });
      worker.on('exit', (code) => {
        helper.failure ??= new Error(`wasm-simd helper thread exited (code ${code})`);
      });
      return helper;
    });
  }

  get size(): number {
    return this.helpers.length;
  }

  /**
   * Posts the module's export `fn(...args)` to helper `index`. The job is posted before this returns
   * (once the helper is up), so the caller's own share of the work runs at the same time; then
   * `wait()` for it.
   */
  call(index: number, fn: string, args: readonly number[]): HelperJob {
    const helper = this.helpers[index];
    const fnIndex = this.exportIndex.get(fn);
    if (fnIndex === undefined) throw new Error(`wasm-simd: the module has no export '${fn}' (an internal bug).`);
    if (args.length > MAX_ARGS) throw new Error(`wasm-simd: ${fn} takes ${args.length} arguments; a helper job takes at most ${MAX_ARGS} (an internal bug).`);
    if (helper.isReady) {
      const seq = this.post(helper, fnIndex, args);
      return { wait: () => this.join(helper, index, fn, seq) };
    }
    const posted = helper.ready.then(() => this.post(helper, fnIndex, args));
    return { wait: () => posted.then((seq) => this.join(helper, index, fn, seq)) };
  }

  private post(helper: Helper, fnIndex: number, args: readonly number[]): number {
    const { ctl } = helper;
    helper.args.set(args);
    ctl[FN] = fnIndex;
    ctl[ARGC] = args.length;
    const seq = Atomics.add(ctl, SEQ, 1) + 1; // publishes the writes above
    Atomics.notify(ctl, SEQ);
    return seq;
  }

  /** Spins for the job (it usually ends within microseconds of the caller's share), then waits without blocking the event loop. */
  private async join(helper: Helper, index: number, fn: string, seq: number): Promise<void> {
    const { ctl, worker } = helper;
    const start = performance.now();
    for (let i = 1; Atomics.load(ctl, DONE) < seq; i++) {
      if ((i & 1023) === 0 && performance.now() - start >= this.callerSpinMs) {
        worker.ref(); // keep the process alive while the job is in flight
        try {
          while (Atomics.load(ctl, DONE) < seq) {
            if (helper.failure) throw helper.failure;
            await waitAsync(ctl, DONE, Atomics.load(ctl, DONE), 50).value;
          }
        } finally {
          worker.unref();
        }
        break;
      }
    }
    if (ctl[STATUS] !== 0) {
      const message = new TextDecoder().decode(helper.errorBytes.slice(0, ctl[ERROR_LENGTH]));
      throw new Error(`wasm-simd helper thread ${index}: ${fn} failed: ${message}`);
    }
  }

  terminate(): void {
    for (const h of this.helpers) void h.worker.terminate();
  }
}
