/**
 * `npm run peers`: this project's fastest CPU backend against PyTorch on the same machine, in one
 * run: the chapter's LeNet training step (batch 256) and its two conv layers, forward and forward
 * plus backward, on 1 and on 2 threads, interleaved (ours, then PyTorch's, each round) so both see
 * the same machine. Every ratio printed is from this run. PyTorch is a peer, never a dependency: the
 * Python with torch is PYTORCH_PYTHON, else python3; without one the command says how to get it and
 * exits 0. `--help` for the options.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createWasmSimdBackend } from '../kernels/wasmSimd/index.ts';
import { benchCases } from './cases.ts';
import { measureLimitOn } from './machineLimit.ts';
import { timeCase } from './timing.ts';
import { isMain } from './isMain.ts';

const HELP = `npm run peers -- [options]

  --rounds N     interleaved rounds; each figure is the median over them (default 2)
  --time MS      timing budget per figure and round (default 1000)
  --threads LIST thread counts (default 1,2)
  --out DIR      where the JSON goes (default bench/results)
  --pytorch-malloc tuned|default
                 tuned (the default): PyTorch runs with glibc's malloc told to keep freed memory
                 (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_), as PyTorch's CPU tuning advice
                 (jemalloc, tcmalloc) would have it; default: glibc as it comes, whose page faults
                 on every step's activations cost PyTorch up to 6x on this kind of VM
PYTORCH_PYTHON  a python with torch (default python3); without one this prints how to get it and exits 0`;

const PYTORCH_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'peers', 'pytorch.py');
const BATCH = 256;

/** What is compared, in milliseconds per call: ours from the bench's cases, PyTorch's from pytorch.py. */
export const ITEMS = ['step', 'conv1 forward', 'conv1 forward+backward', 'conv2 forward', 'conv2 forward+backward'] as const;
export type Item = (typeof ITEMS)[number];

/** Per thread count, each round's figures: ours, PyTorch's, and the wasm SIMD limit (GFLOP/s) measured just before them. */
export type PeerSamples = Record<number, { ours: Record<Item, number>[]; pytorch: Record<Item, number>[]; limit: number[] }>;

export interface PeerRow {
  item: Item;
  threads: number;
  oursMs: number;
  pytorchMs: number;
  /** PyTorch's time / ours: above 1, ours is faster. */
  speedup: number;
  oursGflops: number | null;
  pytorchGflops: number | null;
  /** The wasm SIMD limit on this thread count, GFLOP/s: the median of the rounds'. */
  limitGflops: number;
  /** The item's flops at that limit: no kernel doing the same multiply-adds in f32x4 lanes runs faster. Null for the step. */
  wasmFloorMs: number | null;
  /** PyTorch ran faster than that floor. */
  aboveWasmLimit: boolean;
  /** Each side's fastest round: on these shared VMs a side's step moves between rounds (PyTorch's by 1.1x even with TUNED_MALLOC; up to 6x without it, its page faults), and what each can do is its fastest. */
  oursFastestMs: number;
  pytorchFastestMs: number;
}

/**
 * Floating-point operations of a conv item (the bench's count: 2 per multiply-add; forward plus
 * backward computes y, dx and dw, as both sides do here), so each side's GFLOP/s can be set against
 * the WebAssembly SIMD limit measured in the same round.
 */
export function convFlops(item: Item): number | null {
  if (item === 'step') return null;
  const work = (shape: string, op: string) => convWork().get(`${shape} ${op}`)!;
  const shape = item.startsWith('conv1') ? 'lenet-conv1' : 'lenet-conv2';
  return work(shape, 'conv2d') + (item.endsWith('forward+backward') ? work(shape, 'conv2dBackward') : 0);
}

/** The bench cases' work by 'shape op', read once (building the cases builds every bench tensor). */
let convWorkOnce: Map<string, number> | null = null;
function convWork(): Map<string, number> {
  convWorkOnce ??= new Map(benchCases().map((c) => [`${c.shape} ${c.op}`, c.work]));
  return convWorkOnce;
}

function pythonWithTorch(): { python: string; version: string } | { missing: string } {
  const python = process.env.PYTORCH_PYTHON || 'python3';
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status === 0) return { python, version: probe.stdout.trim() };
  return {
    missing: `no PyTorch: '${python} -c "import torch"' failed (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}). ` +
      'Fix: python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch, then PYTORCH_PYTHON=/tmp/torchenv/bin/python npm run peers',
  };
}

async function ours(threads: number, timeMs: number): Promise<{ variant: string; ms: Record<Item, number> }> {
  const backend = createWasmSimdBackend({ threads });
  const cases = benchCases();
  const timed = async (shape: string, op: string) => {
    const c = cases.find((k) => k.shape === shape && k.op === op)!;
    const r = await timeCase(backend, c, timeMs);
    if (r.status !== 'ok' || r.medianMs === undefined) throw new Error(`wasm-simd ${shape} ${op}: ${r.status}${r.errorMessage ? `: ${r.errorMessage}` : ''}`);
    return r.medianMs;
  };
  try {
    const [f1, b1, f2, b2] = [await timed('lenet-conv1', 'conv2d'), await timed('lenet-conv1', 'conv2dBackward'), await timed('lenet-conv2', 'conv2d'), await timed('lenet-conv2', 'conv2dBackward')];
    const step = await timed('lenet-train-step', 'trainStep');
    return { variant: backend.variant ?? '', ms: { step, 'conv1 forward': f1, 'conv1 forward+backward': f1 + b1, 'conv2 forward': f2, 'conv2 forward+backward': f2 + b2 } };
  } finally {
    backend.dispose();
  }
}

/**
 * glibc malloc settings for PyTorch's process: blocks under 32 MiB come from the heap, not from their
 * own mmap, and freed memory stays with the process. glibc's defaults hand a step's multi-megabyte
 * activations back to the kernel and fault them in again on the next step; on this project's VMs a
 * page fault costs tens of microseconds, and PyTorch's 1-thread step took 90-140 ms where it takes
 * 18-30 with these (each setting alone was slower still: 190-290 ms). Our side allocates in wasm
 * memory, which is faulted in once. Values already in the environment are kept.
 */
export const TUNED_MALLOC: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024), MALLOC_TRIM_THRESHOLD_: String(2 ** 32) };

/** PyTorch's environment: ours, plus the tuned malloc settings the environment does not set itself. */
export function pytorchEnv(malloc: 'tuned' | 'default', env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return malloc === 'tuned' ? { ...TUNED_MALLOC, ...env } : env;
}

function pytorch(python: string, threads: number, timeMs: number, malloc: 'tuned' | 'default'): Record<Item, number> {
  const env = pytorchEnv(malloc);
  const run = spawnSync(python, [PYTORCH_SCRIPT, String(threads), String(timeMs / 1000)], { encoding: 'utf8', env });
  if (run.status !== 0) throw new Error(`${PYTORCH_SCRIPT} failed: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return (JSON.parse(run.stdout.trim().split('\n').pop()!) as { ms: Record<Item, number> }).ms;
}

/** The middle value, or the mean of the middle two. */
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Each item's medians over the rounds, its ratio, both sides' GFLOP/s and the wasm floor. */
export function peerRows(samples: PeerSamples, threadCounts: readonly number[], flopsOf: (item: Item) => number | null = convFlops): PeerRow[] {
  return threadCounts.flatMap((threads) => {
    const limit = median(samples[threads].limit);
    return ITEMS.map((item) => {
      const a = median(samples[threads].ours.map((m) => m[item]));
      const b = median(samples[threads].pytorch.map((m) => m[item]));
      const flops = flopsOf(item);
      const gflops = (ms: number) => (flops === null ? null : flops / ms / 1e6);
      const floorMs = flops === null ? null : flops / limit / 1e6;
      const fastest = (side: 'ours' | 'pytorch') => Math.min(...samples[threads][side].map((m) => m[item]));
      return {
        item, threads, oursMs: a, pytorchMs: b, speedup: b / a, oursGflops: gflops(a), pytorchGflops: gflops(b), limitGflops: limit, wasmFloorMs: floorMs,
        aboveWasmLimit: floorMs !== null && b < floorMs, oursFastestMs: fastest('ours'), pytorchFastestMs: fastest('pytorch'),
      };
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' }, time: { type: 'string', default: '1000' }, threads: { type: 'string', default: '1,2' }, out: { type: 'string', default: 'bench/results' }, 'pytorch-malloc': { type: 'string', default: 'tuned' }, help: { type: 'boolean', default: false } } });
  if (values.help) return void console.log(HELP);
  const malloc = values['pytorch-malloc'];
  if (malloc !== 'tuned' && malloc !== 'default') throw new Error(`--pytorch-malloc must be tuned or default; got '${malloc}'.`);
  const found = pythonWithTorch();
  if ('missing' in found) return void console.log(`peers: skipped. ${found.missing}`);
  const rounds = Number(values.rounds);
  const timeMs = Number(values.time);
  const threadCounts = values.threads.split(',').map(Number);
  const samples: PeerSamples = {};
  let variant = '';
  for (let round = 1; round <= rounds; round++) {
    for (const threads of threadCounts) {
      process.stderr.write(`round ${round}/${rounds}, ${threads} thread(s): wasm-simd, then PyTorch ${found.version}\n`);
      const s = (samples[threads] ??= { ours: [], pytorch: [], limit: [] });
      s.limit.push(await measureLimitOn(threads));
      const mine = await ours(threads, timeMs);
      variant = mine.variant.replace(/, \d+ threads?$/, '');
      s.ours.push(mine.ms);
      s.pytorch.push(pytorch(found.python, threads, timeMs, malloc));
    }
  }
  const rows = peerRows(samples, threadCounts);
  const limits = Object.fromEntries(rows.map((r) => [r.threads, r.limitGflops]));
  const perSecond = (ms: number) => `${((BATCH * 1000) / ms).toFixed(0)} ex/s`;
  const fmt = (item: Item, ms: number, gflops: number | null) => (item === 'step' ? `${perSecond(ms)} (${ms.toFixed(1)} ms)` : `${ms.toFixed(2)} ms ${`(${gflops!.toFixed(0)} GF/s)`.padStart(10)}`);
  // The malloc settings PyTorch's process got (the environment's own values win), for the header and the JSON.
  const sent = pytorchEnv(malloc);
  const mallocSettings = malloc === 'tuned' ? Object.fromEntries(Object.keys(TUNED_MALLOC).map((k) => [k, sent[k]])) : 'default';
  const mallocNote = typeof mallocSettings === 'string' ? 'glibc malloc as it comes' : `glibc malloc keeping freed memory (${Object.entries(mallocSettings).map(([k, v]) => `${k}=${v}`).join(' ')})`;
  console.log(`\nwasm-simd (${variant}) against PyTorch ${found.version} (${found.python}; ${mallocNote}), medians of ${rounds} interleaved rounds; ratio = PyTorch's time / ours (above 1: ours is faster)\n`);
  console.log(`${'what'.padEnd(24)}  threads  ${'wasm-simd'.padEnd(22)}  ${'PyTorch'.padEnd(22)}  ratio  ${'wasm floor'.padEnd(10)}`);
  for (const r of rows) {
    const floor = r.wasmFloorMs === null ? '' : `${r.wasmFloorMs.toFixed(2)} ms${r.aboveWasmLimit ? ' *' : ''}`;
    console.log(`${r.item.padEnd(24)}  ${String(r.threads).padStart(7)}  ${fmt(r.item, r.oursMs, r.oursGflops).padEnd(22)}  ${fmt(r.item, r.pytorchMs, r.pytorchGflops).padEnd(22)}  ${`${r.speedup.toFixed(2)}x`.padStart(5)}  ${floor}`);
  }
  console.log(`\nwasm floor: the item's flops at the WebAssembly SIMD limit measured in each round (${threadCounts.map((t) => `${limits[t].toFixed(1)} GFLOP/s on ${t} thread${t === 1 ? '' : 's'}`).join(', ')}; ` +
    `${variant.startsWith('fma') ? 'fused multiply-adds' : 'mul+add'}): no kernel doing the same multiply-adds in f32x4 lanes can run faster.`);
  if (rows.some((r) => r.aboveWasmLimit)) console.log('* PyTorch ran faster than that floor (wider vectors: AVX-512 or AVX2 FMA on 8 lanes); matching it would take fewer multiply-adds, not a better f32x4 kernel.');
  const best = (who: 'oursMs' | 'pytorchMs' | 'oursFastestMs' | 'pytorchFastestMs') => Math.min(...rows.filter((r) => r.item === 'step').map((r) => r[who]));
  console.log(`\nLeNet training step, each at its best thread count: wasm-simd ${perSecond(best('oursMs'))}, PyTorch ${perSecond(best('pytorchMs'))}: ${(best('pytorchMs') / best('oursMs')).toFixed(2)}x (medians)`);
  // PyTorch's step moves most between rounds (each round is a new process): its fastest round is what it can do.
  console.log(`Fastest rounds: wasm-simd ${perSecond(best('oursFastestMs'))}, PyTorch ${perSecond(best('pytorchFastestMs'))}: ${(best('pytorchFastestMs') / best('oursFastestMs')).toFixed(2)}x`);
  mkdirSync(values.out, { recursive: true });
  const file = join(values.out, `peers-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), pytorch: found.version, wasmSimd: variant, pytorchMalloc: mallocSettings, rounds, timeMs, wasmLimitGflops: limits, rows, samples }, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

if (isMain(import.meta.url)) {
  main().catch((error) => {
    console.error(`peers: ${(error as Error).message}`);
    process.exit(1);
  });
}
