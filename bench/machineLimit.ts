/**
 * The machine's limit, measured once per run instead of trusted as a constant: a WebAssembly SIMD
 * loop of independent f32x4 multiply-add chains (what a hand-written wasm kernel could at best
 * sustain), on one thread and on every core at once (worker_threads).
 *
 * Without relaxed SIMD wasm has no fused multiply-add, and the mul+add peak is about half of what
 * the cores can do (AVX2 FMA). Where the engine compiles relaxed SIMD (Node 20 behind a V8 flag set
 * here, Chromium by default), the limit is the f32x4.relaxed_madd loop's, which wasm-simd's FMA build
 * can approach; the mul+add figures are kept beside it.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import wabtInit from 'wabt';
import type { MachineLimit } from './report.ts';

/** Independent accumulators: enough to cover the mul→add latency without spilling 16 xmm registers. */
const CHAINS = 12;

/** The loop's body per chain: a fused multiply-add (relaxed SIMD) or a product and a sum. */
function peakWat(fused: boolean): string {
  const step = (i: number) => fused
    ? `(local.set $a${i} (f32x4.relaxed_madd (local.get $a${i}) (local.get $scale) (local.get $shift)))`
    : `(local.set $a${i} (f32x4.add (f32x4.mul (local.get $a${i}) (local.get $scale)) (local.get $shift)))`;
  const acc = Array.from({ length: CHAINS }, (_, i) => i);
  return `(module
  (func (export "peak") (param $iterations i32) (result f32)
    (local $i i32) (local $scale v128) (local $shift v128)
    ${acc.map((i) => `(local $a${i} v128)`).join(' ')}
    (local.set $scale (f32x4.splat (f32.const 0.9999)))
    (local.set $shift (f32x4.splat (f32.const 0.0001)))
    ${acc.map((i) => `(local.set $a${i} (f32x4.splat (f32.const ${1 + i / 16})))`).join('\n    ')}
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $iterations)))
      ${acc.map(step).join('\n      ')}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (f32x4.extract_lane 0 (f32x4.add ${acc.map((i) => `(local.get $a${i})`).reduce((a, b) => `(f32x4.add ${a} ${b})`)} (local.get $a0))))
)`;
}

/** 4 lanes x (1 mul + 1 add, fused or not) per chain per iteration. */
const FLOPS_PER_ITERATION = CHAINS * 4 * 2;

export async function compilePeakModule(fused = false): Promise<Uint8Array<ArrayBuffer>> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('peak.wat', peakWat(fused), { simd: true, relaxed_simd: fused });
  return new Uint8Array(module.toBinary({}).buffer);
}

/** The fused loop's module where this engine compiles relaxed SIMD (setting Node 20's V8 flag for it), else null. */
async function fusedPeakModule(): Promise<Uint8Array<ArrayBuffer> | null> {
  const bytes = await compilePeakModule(true);
  if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(bytes) ? bytes : null;
}

/** GFLOP/s of the loop on this thread: best of a few timed runs of ~0.2 s. */
function measureHere(bytes: Uint8Array<ArrayBuffer>): number {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const peak = instance.exports.peak as (n: number) => number;
  peak(1e6); // tier up
  let best = 0;
  for (let trial = 0; trial < 5; trial++) {
    const iterations = 2e7;
    const start = performance.now();
    peak(iterations);
    const seconds = (performance.now() - start) / 1000;
    best = Math.max(best, (iterations * FLOPS_PER_ITERATION) / seconds / 1e9);
  }
  return best;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const instance = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes));
const peak = instance.exports.peak;
peak(1e6);
parentPort.postMessage('ready');
parentPort.once('message', () => {
  const start = performance.now();
  peak(workerData.iterations);
  parentPort.postMessage(performance.now() - start);
});`;

/** GFLOP/s of the loop on `threads` threads at once (started together, timed by the slowest). */
async function measureThreads(bytes: Uint8Array, threads: number): Promise<number> {
  const iterations = 4e7;
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes, iterations } }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const start = performance.now();
  const times = await Promise.all(workers.map((w) => new Promise<number>((resolve) => { w.once('message', resolve); w.postMessage('go'); })));
  const seconds = Math.max(performance.now() - start, ...times) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return (threads * iterations * FLOPS_PER_ITERATION) / seconds / 1e9;
}

/**
 * The limit on `threads` threads alone (fused multiply-adds where relaxed SIMD compiles): for a figure
 * measured on that many threads, taken in the same run as the figure (the machine's limit moves).
 */
export async function measureLimitOn(threads: number): Promise<number> {
  const bytes = (await fusedPeakModule()) ?? (await compilePeakModule(false));
  return threads === 1 ? measureHere(bytes) : measureThreads(bytes, threads);
}

export async function measureMachineLimit(): Promise<MachineLimit> {
  const cores = availableParallelism();
  const plain = await compilePeakModule(false);
  const fused = await fusedPeakModule();
  const measure = async (bytes: Uint8Array<ArrayBuffer>) => ({ oneThread: measureHere(bytes), allCores: await measureThreads(bytes, cores) });
  if (!fused) return { ...(await measure(plain)), cores, method: `WebAssembly SIMD, ${CHAINS} independent f32x4 mul+add chains (this engine has no relaxed SIMD, so no FMA)` };
  return {
    ...(await measure(fused)),
    withoutFma: await measure(plain),
    cores,
    method: `WebAssembly relaxed SIMD, ${CHAINS} independent f32x4.relaxed_madd chains (fused multiply-adds)`,
  };
}
