/**
 * The wasm-simd backend: the reference's operations as hand-written WebAssembly SIMD kernels
 * (AssemblyScript, kernels/wasmSimd/assembly/, built by `npm run build`). conv2d forward is a direct
 * convolution at unit stride along W (im2col + GEMM elsewhere); its gradients and the linear layers
 * are f32x4 GEMMs (4x8 register blocks; dot-product blocks for A·Bᵀ); pools, activations, softmax
 * cross-entropy and SGD are loops in the same module, the common cases in f32x4 lanes. Validation is
 * the reference's own (the same errors).
 * Inside `device.scope`, results stay in wasm memory and the next operation reads them in place.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ref from '../../reference/index.ts';
import { checkAvgPool2d, checkAvgPool2dBackward } from '../../reference/avgPool2d.ts';
import { checkConv2d, checkConv2dBackward } from '../../reference/conv2d.ts';
import { checkFlatten, checkFlattenBackward } from '../../reference/flatten.ts';
import { assertLabels } from '../../reference/crossEntropy.ts';
import { checkLinear, checkLinearBackward } from '../../reference/linear.ts';
import { checkMatmul } from '../../reference/matmul.ts';
import { checkMaxPool2d, checkMaxPool2dBackward } from '../../reference/maxPool2d.ts';
import { checkSgd } from '../../reference/sgd.ts';
import { assertGradientShape } from '../../reference/shape.ts';
import { BackendUnavailableError, type Backend } from '../backend.ts';
import { Scratch, WasmHeap } from './memory.ts';
import { Residency, type DeviceTensor } from '../residency.ts';
import { WasmTensor } from './resident.ts';
import { WasmThreadPool, type HelperJob } from './threads.ts';

/** Where `npm run build` writes the two builds (kernels/wasmSimd/build.mjs). */
const BUILD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.cache', 'wasm-simd');
export const WASM_SIMD_MODULE = join(BUILD_DIR, 'kernels.wasm');
export const WASM_SIMD_FMA_MODULE = join(BUILD_DIR, 'kernels-fma.wasm');

/** 'fma': relaxed SIMD's f32x4.relaxed_madd in every multiply-add block; 'plain': SIMD only (a product and a sum). */
export type WasmSimdBuild = 'fma' | 'plain';

type Fn = (...args: number[]) => number;
interface Kernels {
  memory: WebAssembly.Memory;
  sgemm: Fn; transpose: Fn; im2col: Fn; col2im: Fn; addBias: Fn; sumBias: Fn;
  maxPoolForward: Fn; maxPoolBackward: Fn; avgPoolForward: Fn; avgPoolBackward: Fn;
  sigmoidForward: Fn; sigmoidBackward: Fn; reluForward: Fn; reluBackward: Fn; softmaxForward: Fn; softmaxBackward: Fn;
  crossEntropyForward: Fn; crossEntropyBackward: Fn; correctCount: Fn; sgdUpdate: Fn;
  conv2dForwardRange: Fn; conv2dBackwardRange: Fn; addInto: Fn; directTapOffsets: Fn;
}

export interface WasmSimdOptions {
  /** Threads that split a batch (this one plus helpers). Default: WASM_SIMD_THREADS, else min(2, cores). */
  readonly threads?: number;
  /**
   * How conv2d forward runs: 'direct' reads each window in place (no im2col); 'im2col' builds the
   * column matrix and multiplies. Both sum in the same order, so they give the same bits. Default
   * 'auto': direct wherever it applies (unit stride along W).
   */
  readonly convForward?: 'auto' | 'direct' | 'im2col';
  /**
   * How conv2d backward works without im2col's column matrix: 'auto' reads the image straight for
   * the weight gradient where a kernel for that applies (rows of 16 or more at unit stride; else
   * output channels in blocks of 8, through tap and window tables, the same bits as im2col), and
   * adds Wᵀ · dy straight into dx where every window lies inside the image at unit stride along W
   * (the same products, added in another order); 'im2col' always builds the column matrix, for dw
   * (im2col) and for dx (col2im). Default 'auto'.
   */
  readonly convBackward?: 'auto' | 'im2col';
  /**
   * Which build runs: 'fma' (fused multiply-adds through relaxed SIMD), 'plain' (SIMD only), or
   * 'auto': fma where this engine compiles it, else plain. Node 20 has relaxed SIMD behind a V8 flag,
   * which the backend sets before compiling; Chromium has it on by default. Either build satisfies
   * the same error model (a fused product rounds once). Default: WASM_SIMD_BUILD, else 'auto'.
   */
  readonly build?: 'auto' | WasmSimdBuild;
}

/** The AssemblyScript sources the builds are compiled from (absent in an installed package, which has no wasm-simd build). */
const SOURCE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assembly');

/**
 * A build older than a source file is refused: the host and a module compiled from older sources
 * may disagree on a kernel's arguments (a pull that changed them, run without `npm run build`
 * through a command that does not build first, such as a bare `npx vitest run`).
 */
export function staleBuildReason(file: string, sourceDir: string = SOURCE_DIR): string | null {
  if (!existsSync(sourceDir)) return null;
  const built = statSync(file).mtimeMs;
  const newer = readdirSync(sourceDir).filter((f) => f.endsWith('.ts') && statSync(join(sourceDir, f)).mtimeMs > built);
  if (newer.length === 0) return null;
  return `${file} is older than ${join(sourceDir, newer[0])}${newer.length > 1 ? ` and ${newer.length - 1} more source file${newer.length > 2 ? 's' : ''}` : ''}. Fix: npm run build.`;
}

function assertBuildCurrent(file: string): void {
  const reason = staleBuildReason(file);
  if (reason) throw new BackendUnavailableError('wasm-simd', reason);
}

/** The rows and columns of the (padded) image a convolution's windows read: what a padded copy holds. */
function windowExtent(g: ref.Conv2dGeometry): { Hp: number; Wp: number } {
  return { Hp: (g.outH - 1) * g.strideH + (g.kernelH - 1) * g.dilationH + 1, Wp: (g.outW - 1) * g.strideW + (g.kernelW - 1) * g.dilationW + 1 };
}

/** The build `wanted` names, or for 'auto' the FMA build where the engine compiles it. */
function chooseBuild(wanted: 'auto' | WasmSimdBuild): { build: WasmSimdBuild; bytes: Uint8Array<ArrayBuffer> } {
  if (wanted !== 'plain') {
    if (!existsSync(WASM_SIMD_FMA_MODULE)) {
      throw new BackendUnavailableError('wasm-simd', `${WASM_SIMD_FMA_MODULE} is missing. Fix: npm run build (compiles kernels/wasmSimd/assembly with AssemblyScript).`);
    }
    assertBuildCurrent(WASM_SIMD_FMA_MODULE);
    const bytes = new Uint8Array(readFileSync(WASM_SIMD_FMA_MODULE));
    // Relaxed SIMD is behind this flag in Node 20 (on by default in later V8s and in Chromium 114+); it must be set before compiling.
    if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (WebAssembly.validate(bytes)) return { build: 'fma', bytes };
    if (wanted === 'fma') throw new BackendUnavailableError('wasm-simd', 'this engine cannot compile the FMA build (relaxed SIMD). Fix: build: \'plain\' (or WASM_SIMD_BUILD=plain).');
  }
  if (!existsSync(WASM_SIMD_MODULE)) {
    throw new BackendUnavailableError('wasm-simd', `${WASM_SIMD_MODULE} is missing. Fix: npm run build (compiles kernels/wasmSimd/assembly with AssemblyScript).`);
  }
  assertBuildCurrent(WASM_SIMD_MODULE);
  return { build: 'plain', bytes: new Uint8Array(readFileSync(WASM_SIMD_MODULE)) };
}

function defaultBuild(): 'auto' | WasmSimdBuild {
  const fromEnv = process.env.WASM_SIMD_BUILD;
  if (fromEnv === undefined || fromEnv === '') return 'auto';
  if (fromEnv === 'auto' || fromEnv === 'fma' || fromEnv === 'plain') return fromEnv;
  throw new Error(`wasm-simd: WASM_SIMD_BUILD must be auto, fma or plain; got '${fromEnv}'.`);
}

function instantiate(wanted: 'auto' | WasmSimdBuild): { kernels: Kernels; module: WebAssembly.Module; memory: WebAssembly.Memory; build: WasmSimdBuild } {
  const { build, bytes } = chooseBuild(wanted);
  if (!WebAssembly.validate(bytes)) {
    throw new BackendUnavailableError('wasm-simd', `this engine cannot compile the ${build} build (WebAssembly SIMD needs Node 16.4+ or a current browser).`);
  }
  // Shared, so helper threads can run kernels on the same tensors; 4 GiB is wasm32's limit.
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
  const module = new WebAssembly.Module(bytes);
  const instance = new WebAssembly.Instance(module, {
    env: { memory, abort: () => { throw new Error('wasm-simd: a kernel aborted (an internal bug; please report the call).'); } },
  });
  return { kernels: instance.exports as unknown as Kernels, module, memory, build };
}

function defaultThreads(): number {
  const fromEnv = Number(process.env.WASM_SIMD_THREADS);
  return Number.isInteger(fromEnv) && fromEnv >= 1 ? fromEnv : Math.min(2, availableParallelism());
}

export function createWasmSimdBackend(options: WasmSimdOptions = {}): Backend {
  const { kernels: k, module, memory, build } = instantiate(options.build ?? defaultBuild());
  const threads = options.threads ?? defaultThreads();
  const convForward = options.convForward ?? 'auto';
  const convBackward = options.convBackward ?? 'auto';
  /**
   * Direct convolution skips im2col, which took as long as the GEMM on LeNet's layers. It reads
   * 8 consecutive output columns' windows at once, so it needs unit stride along W.
   */
  function forwardStrategy(g: ref.Conv2dGeometry): 'direct' | 'im2col' {
    if (g.strideW !== 1) return 'im2col'; // the direct kernel reads 8 consecutive columns
    // Measured with both forced in one run: direct 1.6-1.8x on LeNet's layers, 1.3x on conv3x3,
    // 1.0-1.4x on conv1x1 (where im2col is a plain copy).
    return convForward === 'auto' ? 'direct' : convForward;
  }
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm-simd: threads must be a positive integer; got ${threads}.`);
  const heap = new WasmHeap(memory, 'wasm-simd');
  const residents = new Residency();
  const pool = new WasmThreadPool(module, memory, threads - 1);
  // The running operation's scratch, and the scope its results belong to (null: back to the host).
  let arena = new Scratch(heap);
  let owner: Set<DeviceTensor> | null = null;
  // One operation at a time: a threaded operation awaits its helpers, and its scratch blocks must
  // not be handed to another operation meanwhile. The scope is the caller's, taken at call time.
  let queue: Promise<unknown> = Promise.resolve();
  function run<T>(body: () => T | Promise<T>): Promise<T> {
    const scope = residents.current();
    const result = queue.then(async () => {
      arena = new Scratch(heap);
      owner = scope;
      try {
        return await body();
      } finally {
        arena.end();
      }
    });
    queue = result.catch(() => {});
    return result;
  }
  /** An input's address: a resident tensor of this backend in place, anything else copied in. */
  function input(t: ref.Tensor, what: string): number {
    return owned(t) ? t.ptr : arena.put(t, what);
  }
  /** One of this backend's resident tensors (another instance's memory is another address space). */
  function owned(t: ref.Tensor): t is WasmTensor {
    return residents.owns(t) && t instanceof WasmTensor;
  }
  function adopt(ptr: number, shape: readonly number[]): WasmTensor {
    return residents.track(new WasmTensor(heap, arena.keep(ptr), shape, residents), owner);
  }
  /** A result: kept resident inside a scope, otherwise copied out to a host tensor the caller owns. */
  function output(ptr: number, shape: readonly number[]): ref.Tensor {
    if (owner) return adopt(ptr, shape);
    return { shape: [...shape], data: heap.f32(ptr, ref.sizeOf(shape)).slice() };
  }
  /**
   * Runs a batch kernel on every thread: this one and the helpers claim chunks of images through
   * shared counters (dynamic balance: a slower core takes fewer), this thread from the front of
   * the batch, its first helper from the back (see `claim` in convDriver.ts; more helpers alternate).
   * `job(t)` gives thread t's arguments before and after (claims, fromBack, chunk, N), put between here.
   */
  /** Images per claim: a function of N only, so chunk boundaries (and sums over them) never depend on the thread count. */
  function chunkSize(N: number): number {
    return Math.max(1, Math.min(8, Math.floor(N / 8)));
  }
  async function shareBatch(N: number, fn: keyof Kernels, job: (thread: number) => { before: number[]; after: number[] }): Promise<void> {
    const T = Math.min(threads, N);
    const claims = arena.alloc(3, 'the batch counters');
    new Int32Array(memory.buffer, claims, 3).fill(0);
    const chunk = chunkSize(N);
    const argsOf = (t: number) => {
      const { before, after } = job(t);
      return [...before, claims, t % 2, chunk, N, ...after];
    };
    const helpers: HelperJob[] = [];
    for (let t = 1; t < T; t++) helpers.push(pool.call(t - 1, fn, argsOf(t)));
    try {
      (k[fn] as Fn)(...argsOf(0));
    } finally {
      await settle(helpers);
    }
  }
  /** Every helper's job done before the scratch it writes is released, even when this thread's part threw; then the first failure, if any. */
  async function settle(jobs: readonly HelperJob[]): Promise<void> {
    const settled = await Promise.allSettled(jobs.map((j) => j.wait()));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
  /**
   * Work with no sum across its units (elements, image planes, images), on every thread: `units`
   * cut into one contiguous range per thread, a multiple of `align` units long (so every element
   * keeps its place in a SIMD lane and in the kernel's tail, and the result does not depend on the
   * thread count), this thread taking the first; `argsOf(start, count)` gives a range's arguments.
   * Under `minUnits` per thread a message costs more than the work it moves, so fewer threads run.
   */
  async function splitRange(fn: keyof Kernels, units: number, minUnits: number, align: number, argsOf: (start: number, count: number) => number[]): Promise<void> {
    const T = Math.max(1, Math.min(threads, Math.floor(units / minUnits)));
    const per = Math.ceil(units / T / align) * align;
    const helpers: HelperJob[] = [];
    for (let t = 1; t < T && t * per < units; t++) helpers.push(pool.call(t - 1, fn, argsOf(t * per, Math.min(per, units - t * per))));
    try {
      (k[fn] as Fn)(...argsOf(0, Math.min(per, units)));
    } finally {
      await settle(helpers);
    }
  }
  /**
   * Elements per thread below which an elementwise kernel runs on one (about 30 µs of work). Set
   * when a job's hand-off cost 40-65 µs; with the spinning hand-off (1-2 µs), 2^14 measured the same
   * step time: data the other core wrote still has to come from the shared cache.
   */
  const MIN_ELEMENTS = 1 << 16;
  /**
   * Multiply-adds per thread below which a GEMM runs on one (about 20 µs of work). With message
   * hand-offs, LeNet's fc2 backward (2.6M multiply-adds a GEMM) ran 0.8x as fast on 2 threads as on
   * 1 at 2^19; with the spinning hand-off (1-2 µs), 2^20 against 2^21 in one `npm run profile-step`
   * run (the two alternating, three runs): fc2 forward 1.3x, its backward 1.33-1.44x, the 2-thread
   * step 1.01-1.05x (2^19 the same as 2^20 here).
   */
  const MIN_MACS = 1 << 20;
  /**
   * C[M x N] (+)= A · B (sgemm) on every thread, C's rows cut at multiples of 4:
   * the kernels' row blocks, so each row is computed as it would be on one thread (same bits).
   */
  function gemmRows(M: number, N: number, K: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: 0 | 1): Promise<void> {
    return splitRange('sgemm', M, Math.ceil(MIN_MACS / Math.max(1, N * K)), 4, (m0, rows) => [rows, N, K, at(a, m0 * lda), lda, b, ldb, at(c, m0 * ldc), ldc, accumulate]);
  }
  /** Bytes of `count` float32 from `ptr`, `start` elements in. */
  const at = (ptr: number, start: number) => ptr + 4 * start;
  const geometryArgs = (g: ref.Conv2dGeometry) => [
    g.inChannels, g.inH, g.inW, g.outChannels, g.groups, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, g.outH, g.outW,
  ];

  return {
    name: 'wasm-simd',
    variant: `${build} build, ${threads} thread${threads === 1 ? '' : 's'}`,
    async conv2d(x, weight, bias, options = {}) {
      const g = checkConv2d('conv2d', x, weight, bias, options);
      return run(async () => {
        const P = g.outH * g.outW;
        const xp = input(x, 'x');
        const wp = input(weight, 'weight');
        const b = bias ? input(bias, 'bias') : 0; // added by the kernel to each finished sum
        const y = arena.alloc(g.batch * g.outChannels * P, 'the output');
        const taps = g.inChannelsPerGroup * g.kernelH * g.kernelW;
        const T = Math.min(threads, g.batch);
        if (forwardStrategy(g) === 'direct') {
          // The extent the windows read; x itself when that is exactly x (no padding, rows as wide as the windows span).
          const { Wp } = windowExtent(g);
          let { Hp } = windowExtent(g);
          if (g.padTop === 0 && g.padLeft === 0 && Wp === g.inW && Hp <= g.inH) Hp = g.inH;
          const offsets = arena.alloc(taps, 'the tap offsets');
          k.directTapOffsets(g.inChannelsPerGroup, g.kernelH, g.kernelW, g.dilationH, g.dilationW, Hp, Wp, offsets);
          // 8 floats of slack: a short last block of columns reads past its row.
          const padded = Array.from({ length: T }, () => arena.alloc(g.inChannelsPerGroup * Hp * Wp + 8, 'a padded-image buffer'));
          await shareBatch(g.batch, 'conv2dForwardRange', (t) => ({ before: [xp, wp, b, y, padded[t], offsets, Hp, Wp], after: geometryArgs(g) }));
        } else {
          const cols = Array.from({ length: T }, () => arena.alloc(taps * P, 'an im2col buffer'));
          await shareBatch(g.batch, 'conv2dForwardRange', (t) => ({ before: [xp, wp, b, y, cols[t], 0, 0, 0], after: geometryArgs(g) }));
        }
        return output(y, [g.batch, g.outChannels, g.outH, g.outW]);
      });
    },
    async conv2dBackward(dy, x, weight, options = {}) {
      const g = checkConv2dBackward(dy, x, weight, options);
      return run(async () => {
        const P = g.outH * g.outW;
        const og = g.outChannelsPerGroup;
        const taps = g.inChannelsPerGroup * g.kernelH * g.kernelW;
        const T = Math.min(threads, g.batch);
        const xp = input(x, 'x');
        const wp = input(weight, 'weight');
        const dyp = input(dy, 'dy');
        // 0 (none) when the caller asked for no dx: the kernel skips its GEMM and col2im. The kernel zeroes
        // dx and the slots below where it fills them (in cache, on every thread: for LeNet's conv2, 1.2 MB
        // of dx and 0.3 MB of slots).
        const dx = g.inputGradient ? arena.alloc(ref.sizeOf(x.shape), 'dx') : 0;
        // One slot per chunk of images, dw then db, summed below in chunk order (deterministic).
        const chunks = Math.ceil(g.batch / chunkSize(g.batch));
        const slot = ref.sizeOf(weight.shape) + g.outChannels;
        const dw = arena.alloc(chunks * slot, 'the per-chunk dw and db accumulators');
        // Images per GEMM: enough side by side for about 1024 columns (LeNet conv2: 8 images of 100), one for big images.
        const perGemm = Math.max(1, Math.min(chunkSize(g.batch), Math.floor(1024 / P)));
        // im2col's columns, or the padded images the windows read (which a stride above the kernel makes larger).
        const { Hp, Wp } = windowExtent(g);
        const padded = g.inChannelsPerGroup * Hp * Wp;
        const cols = Array.from({ length: T }, () => arena.alloc(Math.max(taps * P, padded) * perGemm, 'an im2col buffer'));
        // Per thread: col2im's column gradient, or where dx skips it (implicitDx.ts) the rows' packed last columns (og x (outH·8 + 8) at most).
        const dcols = Array.from({ length: T }, () => (dx ? arena.alloc(Math.max(taps * P * perGemm, og * (g.outH * 8 + 8)), 'a column-gradient buffer') : 0));
        // Per thread: the gathered dy, its transpose (for dwᵀ = cols · dyᵀ), dwᵀ, three i32 tables and the weights packed for implicitDx (see conv2dBackwardRange).
        const dys = Array.from({ length: T }, () => arena.alloc(2 * og * P * perGemm + taps * og + 2 * taps + P + g.groups * 4 * Math.ceil(taps / 4) * og, 'the gathered-dy buffers'));
        const wT = arena.alloc(ref.sizeOf(weight.shape), 'the transposed weight');
        for (let grp = 0; grp < g.groups; grp++) k.transpose(wp + 4 * grp * og * taps, og, taps, wT + 4 * grp * og * taps);
        const columnFree = convBackward === 'auto' ? 1 : 0;
        await shareBatch(g.batch, 'conv2dBackwardRange', (t) => ({ before: [xp, wT, dyp, dx, dw, cols[t], dcols[t], dys[t], perGemm, columnFree], after: geometryArgs(g) }));
        for (let c = 1; c < chunks; c++) k.addInto(dw, dw + 4 * c * slot, slot);
        // db as a tensor of its own (a resident result is freed on its own).
        const db = arena.alloc(g.outChannels, 'db');
        heap.f32(db, g.outChannels).set(heap.f32(dw + 4 * ref.sizeOf(weight.shape), g.outChannels));
        return { dx: dx ? output(dx, x.shape) : null, dw: output(dw, weight.shape), db: output(db, [g.outChannels]) };
      });
    },
    async maxPool2d(x, options) {
      const g = checkMaxPool2d('maxPool2d', x, options);
      return run(async () => {
        const y = arena.alloc(g.batch * g.channels * g.outH * g.outW, 'the output');
        const [xp, inPlane, outPlane] = [input(x, 'x'), g.inH * g.inW, g.outH * g.outW];
        await splitRange('maxPoolForward', g.batch * g.channels, Math.ceil(MIN_ELEMENTS / inPlane), 1, (p, planes) =>
          [at(xp, p * inPlane), planes, g.inH, g.inW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, g.outH, g.outW, at(y, p * outPlane)]);
        return output(y, [g.batch, g.channels, g.outH, g.outW]);
      });
    },
    async maxPool2dBackward(dy, x, options) {
      const g = checkMaxPool2dBackward(dy, x, options);
      return run(async () => {
        const dx = arena.alloc(ref.sizeOf(x.shape), 'dx'); // the kernel zeroes its planes, or stores every cell where the windows tile them
        const [dyp, xp, inPlane, outPlane] = [input(dy, 'dy'), input(x, 'x'), g.inH * g.inW, g.outH * g.outW];
        await splitRange('maxPoolBackward', g.batch * g.channels, Math.ceil(MIN_ELEMENTS / inPlane), 1, (p, planes) =>
          [at(dyp, p * outPlane), at(xp, p * inPlane), planes, g.inH, g.inW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, g.outH, g.outW, at(dx, p * inPlane)]);
        return { dx: output(dx, x.shape) };
      });
    },
    async avgPool2d(x, options) {
      const g = checkAvgPool2d('avgPool2d', x, options);
      return run(async () => {
        const y = arena.alloc(g.batch * g.channels * g.outH * g.outW, 'the output');
        const [xp, inPlane, outPlane] = [input(x, 'x'), g.inH * g.inW, g.outH * g.outW];
        await splitRange('avgPoolForward', g.batch * g.channels, Math.ceil(MIN_ELEMENTS / inPlane), 1, (p, planes) =>
          [at(xp, p * inPlane), planes, g.inH, g.inW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padBottom, g.padLeft, g.padRight,
            (options.countIncludePad ?? true) ? 1 : 0, g.outH, g.outW, at(y, p * outPlane)]);
        return output(y, [g.batch, g.channels, g.outH, g.outW]);
      });
    },
    async avgPool2dBackward(dy, x, options) {
      const g = checkAvgPool2dBackward(dy, x, options);
      return run(async () => {
        const dx = arena.alloc(ref.sizeOf(x.shape), 'dx'); // the kernel zeroes its planes, or stores every cell where the windows tile them
        const [dyp, inPlane, outPlane] = [input(dy, 'dy'), g.inH * g.inW, g.outH * g.outW];
        await splitRange('avgPoolBackward', g.batch * g.channels, Math.ceil(MIN_ELEMENTS / inPlane), 1, (p, planes) =>
          [at(dyp, p * outPlane), planes, g.inH, g.inW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padBottom, g.padLeft, g.padRight,
            (options.countIncludePad ?? true) ? 1 : 0, g.outH, g.outW, at(dx, p * inPlane)]);
        return { dx: output(dx, x.shape) };
      });
    },
    async matmul(A, B) {
      const [m, kk, n] = checkMatmul(A, B);
      return run(async () => {
        const c = arena.alloc(m * n, 'the product');
        await gemmRows(m, n, kk, input(A, 'A'), kk, input(B, 'B'), n, c, n, 0);
        return output(c, [m, n]);
      });
    },
    async linear(x, weight, bias) {
      checkLinear('linear', x, weight, bias);
      const [batch, inF] = x.shape;
      const outF = weight.shape[0];
      return run(async () => {
        const y = arena.alloc(batch * outF, 'the output');
        // x · Wᵀ as the plain GEMM on a transposed W: 1.6x faster than as dot products (fc1's shape,
        // the transpose included), and the same sums as matmul(x, Wᵀ).
        const wT = arena.alloc(inF * outF, 'the transposed weight');
        k.transpose(input(weight, 'weight'), outF, inF, wT);
        await gemmRows(batch, outF, inF, input(x, 'x'), inF, wT, outF, y, outF, 0);
        if (bias) k.addBias(y, batch, outF, 1, input(bias, 'bias'));
        return output(y, [batch, outF]);
      });
    },
    async linearBackward(dy, x, weight) {
      checkLinearBackward(dy, x, weight);
      const [batch, inF] = x.shape;
      const outF = weight.shape[0];
      return run(async () => {
        const dyp = input(dy, 'dy');
        const dx = arena.alloc(batch * inF, 'dx');
        await gemmRows(batch, inF, outF, dyp, outF, input(weight, 'weight'), inF, dx, inF, 0);
        const dyT = arena.alloc(batch * outF, 'the transposed dy');
        k.transpose(dyp, batch, outF, dyT);
        const dw = arena.alloc(outF * inF, 'dw');
        await gemmRows(outF, inF, batch, dyT, batch, input(x, 'x'), inF, dw, inF, 0);
        const db = arena.alloc(outF, 'db');
        k.sumBias(dyT, 1, outF, batch, db); // row sums of dyᵀ
        return { dx: output(dx, [batch, inF]), dw: output(dw, [outF, inF]), db: output(db, [outF]) };
      });
    },
    // A reshape: no kernel. The values are copied (in wasm memory for a resident x), so the caller
    // may change or release either side.
    async flatten(x) {
      return reshaped(x, checkFlatten(x));
    },
    async flattenBackward(dy, inputShape) {
      checkFlattenBackward(dy, inputShape);
      return { dx: await reshaped(dy, inputShape) };
    },
    sigmoid: async (x) => unary('sigmoid', x, 'sigmoidForward'),
    sigmoidBackward: async (dy, y) => ({ dx: await binary('sigmoidBackward', dy, 'output', y, 'sigmoidBackward') }),
    relu: async (x) => unary('relu', x, 'reluForward'),
    reluBackward: async (dy, x) => ({ dx: await binary('reluBackward', dy, 'x', x, 'reluBackward') }),
    softmax: async (x) => rows('softmax', x, 0),
    softmaxBackward: async (dy, y) => ({ dx: await rowsBackward('softmaxBackward', dy, y, 0) }),
    logSoftmax: async (x) => rows('logSoftmax', x, 1),
    logSoftmaxBackward: async (dy, y) => ({ dx: await rowsBackward('logSoftmaxBackward', dy, y, 1) }),
    async crossEntropy(logits, labels) {
      assertLabels('crossEntropy', logits, labels);
      return run(() => k.crossEntropyForward(input(logits, 'logits'), arena.putInt32(labels), logits.shape[0], logits.shape[1]));
    },
    async crossEntropyBackward(logits, labels) {
      assertLabels('crossEntropyBackward', logits, labels);
      return run(() => {
        const d = arena.alloc(ref.sizeOf(logits.shape), 'dlogits');
        k.crossEntropyBackward(input(logits, 'logits'), arena.putInt32(labels), logits.shape[0], logits.shape[1], d);
        return { dlogits: output(d, logits.shape) };
      });
    },
    async accuracy(logits, labels) {
      assertLabels('accuracy', logits, labels);
      return run(() => k.correctCount(input(logits, 'logits'), arena.putInt32(labels), logits.shape[0], logits.shape[1]) / logits.shape[0]);
    },
    async sgd(params, grads, lr) {
      checkSgd(params, grads, lr);
      params.forEach((p, i) => {
        if (ref.isResident(p) && !owned(p)) ref.assertHostTensor('sgd', `params[${i}]`, p);
      });
      await run(() => {
        for (let i = 0; i < params.length; i++) {
          const param = params[i];
          const count = ref.sizeOf(param.shape);
          const p = input(param, 'a parameter');
          k.sgdUpdate(p, input(grads[i], 'a gradient'), count, lr);
          // A resident parameter is updated where it lives; a host one gets the new values copied back.
          if (owned(param)) param.changed();
          else param.data.set(heap.f32(p, count));
        }
      });
    },
    device: {
      scope: (body) => residents.scope(body),
      upload: (t) => {
        ref.assertTensor('upload', 't', t);
        return run(() => adopt(arena.put(t, 't'), t.shape));
      },
      finish: () => run(() => undefined), // after every queued operation
      usage: () => ({ ...residents.usage(), reservedBytes: heap.capacity }),
    },
    dispose: () => pool.terminate(),
  };

  // Elementwise and row-wise helpers: the reference validates (its own errors), the module computes.
  function reshaped(x: ref.Tensor, shape: readonly number[]): Promise<ref.Tensor> {
    if (!owned(x) && !residents.current()) return Promise.resolve({ shape: [...shape], data: Float32Array.from(x.data) });
    return run(() => {
      const count = ref.sizeOf(shape);
      const y = arena.alloc(count, 'the output');
      heap.f32(y, count).set(heap.f32(input(x, 'x'), count));
      return output(y, shape);
    });
  }
  // Split at multiples of 4 elements: each keeps its SIMD lane, and the scalar tail stays the tensor's last n % 4.
  function unary(op: 'sigmoid' | 'relu', x: ref.Tensor, kernel: 'sigmoidForward' | 'reluForward'): Promise<ref.Tensor> {
    ref.assertTensor(op, 'x', x);
    return run(async () => {
      const n = ref.sizeOf(x.shape);
      const [xp, y] = [input(x, 'x'), arena.alloc(n, 'the output')];
      await splitRange(kernel, n, MIN_ELEMENTS, 4, (i, count) => [at(xp, i), count, at(y, i)]);
      return output(y, x.shape);
    });
  }
  function binary(op: string, dy: ref.Tensor, otherName: string, other: ref.Tensor, kernel: 'sigmoidBackward' | 'reluBackward'): Promise<ref.Tensor> {
    ref.assertTensor(op, 'dy', dy);
    ref.assertTensor(op, otherName, other);
    assertSameShape(op, dy, other);
    return run(async () => {
      const n = ref.sizeOf(dy.shape);
      const [dyp, op2, dx] = [input(dy, 'dy'), input(other, otherName), arena.alloc(n, 'dx')];
      await splitRange(kernel, n, MIN_ELEMENTS, 4, (i, count) => [at(dyp, i), at(op2, i), count, at(dx, i)]);
      return output(dx, dy.shape);
    });
  }
  function rows(op: 'softmax' | 'logSoftmax', x: ref.Tensor, log: number): Promise<ref.Tensor> {
    ref.assertTensor(op, 'x', x, 2, '[N, C]');
    return run(() => {
      const y = arena.alloc(ref.sizeOf(x.shape), 'the output');
      k.softmaxForward(input(x, 'x'), x.shape[0], x.shape[1], log, y);
      return output(y, x.shape);
    });
  }
  function rowsBackward(op: string, dy: ref.Tensor, y: ref.Tensor, log: number): Promise<ref.Tensor> {
    ref.assertTensor(op, 'dy', dy, 2, '[N, C]');
    ref.assertTensor(op, 'output', y, 2, '[N, C]');
    assertSameShape(op, dy, y);
    return run(() => {
      const dx = arena.alloc(ref.sizeOf(dy.shape), 'dx');
      k.softmaxBackward(input(dy, 'dy'), input(y, 'output'), dy.shape[0], dy.shape[1], log, dx);
      return output(dx, dy.shape);
    });
  }
}

/** The reference's own check that dy matches the tensor it is the gradient for. */
function assertSameShape(op: string, dy: ref.Tensor, other: ref.Tensor): void {
  assertGradientShape(op, dy.shape, other.shape);
}

