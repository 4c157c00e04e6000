/**
 * `npm run profile-step`: where a LeNet training step's time goes, operation by operation, on 1 and
 * on 2 threads in one run (steps alternate between the two backends, so both see the same machine):
 * each operation's median milliseconds, the speedup the second thread gives it, and what is left
 * outside the operations. It answers "where does the second core idle" without a profiler. The step
 * is `trainStep` (fixtures/lenet/model.ts) at batch 256 with resident parameters, as the bench times
 * it; the bench checks it (`npm run bench`), this only times it. `--help` for the options.
 */
import { parseArgs } from 'node:util';
import { createRandom, type Tensor } from '../reference/index.ts';
import { wrapOperations } from '../kernels/backend.ts';
import { createWasmSimdBackend } from '../kernels/wasmSimd/index.ts';
import { LENET } from '../fixtures/lenet/architecture.ts';
import { initParameters, toDevice, trainStep } from '../fixtures/lenet/model.ts';
import { float32Tensor } from '../properties/tensors.ts';
import { layerNames, releaseParameters } from './trainStep.ts';
import { isMain } from './isMain.ts';

const HELP = `npm run profile-step -- [options]

  --threads LIST  wasm-simd thread counts, one column each (default 1,2)
  --steps N       timed steps per thread count, after 5 warm-up steps (default 40)`;

const BATCH = 256;

/** 'conv1 conv2d', 'conv1 conv2dBackward', ...: each call of a step by its layer, forward then backward (the step's call order). */
function callLabels(): string[] {
  const names = layerNames(LENET);
  return [
    ...names.map((n) => `${n} forward`),
    'loss', 'accuracy', 'loss backward',
    ...[...names].reverse().map((n) => `${n} backward`),
    'sgd',
  ];
}

/** The median, or the mean of the middle two. */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One call of the step: its label, the operation it called, and its median milliseconds per thread count. */
export interface ProfiledCall {
  readonly label: string;
  readonly op: string;
  readonly ms: readonly number[];
}

export interface StepProfile {
  readonly threads: readonly number[];
  readonly variant: string;
  readonly calls: readonly ProfiledCall[];
  /** Median step time per thread count. */
  readonly stepMs: readonly number[];
}

/**
 * Times `steps` LeNet training steps (after 5 warm-up rounds) on a wasm-simd backend per thread count,
 * the backends alternating, each round an untimed step then a timed one (so 2·(steps + 5) steps a
 * backend), each operation timed through a wrapper that awaits it.
 */
export async function profileStep(options: { readonly threads?: readonly number[]; readonly steps?: number } = {}): Promise<StepProfile> {
  const { threads = [1, 2], steps = 40 } = options;
  if (threads.length === 0 || threads.some((t) => !Number.isInteger(t) || t < 1) || !Number.isInteger(steps) || steps < 1) {
    throw new Error(`profile-step: threads must be positive integers (e.g. 1,2) and steps a positive integer; got threads ${threads.join(',')} and steps ${steps}.`);
  }
  const x = float32Tensor([BATCH, 1, 28, 28], 11);
  const random = createRandom(12);
  const labels = Array.from({ length: BATCH }, () => random.integer(10));
  const backends = threads.map((t) => createWasmSimdBackend({ threads: t }));
  const times: number[][][] = threads.map(() => []); // [column][call][step]
  const stepTimes: number[][] = threads.map(() => []);
  let ops: string[] = [];
  try {
    const parameters = await Promise.all(backends.map((b) => toDevice(b, initParameters(createRandom(13), LENET))));
    const inputs = await Promise.all(backends.map((b) => (b.device ? b.device.upload(x) : x)));
    for (let s = 0; s < steps + 5; s++) {
      for (const [i, backend] of backends.entries()) {
        const called: string[] = [];
        const took: number[] = [];
        const timed = wrapOperations(backend, async (op, method, args) => {
          const position = called.push(op) - 1;
          const start = performance.now();
          const result = await method(...args);
          took[position] = performance.now() - start;
          return result;
        });
        // An untimed step first, as in training, where steps run back to back: the helper threads are
        // then still spinning from the step before, not asleep since the other column's step (that
        // wake-up charged 0.1 ms to the first threaded call, conv1 forward).
        await trainStep(backend, inputs[i] as Tensor, labels, parameters[i], 0.01, LENET);
        const start = performance.now();
        await trainStep(timed, inputs[i] as Tensor, labels, parameters[i], 0.01, LENET);
        const elapsed = performance.now() - start;
        ops = called;
        if (s < 5) continue; // warm-up: compiled, tiered up, memory reused
        stepTimes[i].push(elapsed);
        took.forEach((t, position) => (times[i][position] ??= []).push(t));
      }
    }
    for (const p of parameters) releaseParameters(p);
  } finally {
    for (const b of backends) b.dispose();
  }
  const labelsOf = callLabels();
  if (ops.length !== labelsOf.length) {
    throw new Error(`profile-step: the step called ${ops.length} operations, the profile names ${labelsOf.length} (fixtures/lenet/model.ts changed its calls). Fix: update callLabels in bench/stepProfile.ts.`);
  }
  return {
    threads,
    variant: backends[0].variant?.replace(/, \d+ threads?$/, '') ?? '',
    calls: labelsOf.map((label, position) => ({ label, op: ops[position], ms: times.map((column) => median(column[position])) })),
    stepMs: stepTimes.map(median),
  };
}

/** The profile as a table: one row per call, the sums, the step, and the time outside the calls. */
export function formatStepProfile(profile: StepProfile, steps: number): string {
  const { threads, calls, stepMs } = profile;
  const ratio = (ms: readonly number[]) => (threads.length > 1 ? [`${(ms[0] / ms.at(-1)!).toFixed(2)}x`] : []);
  const header = ['call', ...threads.map((t) => `${t} thread${t > 1 ? 's' : ''} ms`), ...(threads.length > 1 ? [`${threads[0]}t / ${threads.at(-1)}t`] : [])];
  const rows = calls.map((c) => [`${c.label} (${c.op})`, ...c.ms.map((m) => m.toFixed(3)), ...ratio(c.ms)]);
  const sums = threads.map((_, i) => calls.reduce((sum, c) => sum + c.ms[i], 0));
  rows.push(['sum of the calls', ...sums.map((m) => m.toFixed(2)), ...ratio(sums)]);
  rows.push(['the step', ...stepMs.map((m) => m.toFixed(2)), ...ratio(stepMs)]);
  rows.push(['outside the calls', ...stepMs.map((m, i) => (m - sums[i]).toFixed(2)), ...(threads.length > 1 ? [''] : [])]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [
    `wasm-simd (${profile.variant}), LeNet training step at batch ${BATCH}: medians of ${steps} steps per column, the columns alternating (each timed step right after an untimed one, as steps run in training)`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { threads: { type: 'string', default: '1,2' }, steps: { type: 'string', default: '40' }, help: { type: 'boolean', default: false } } });
  if (values.help) return void console.log(HELP);
  const steps = Number(values.steps);
  console.log(formatStepProfile(await profileStep({ threads: values.threads.split(',').map(Number), steps }), steps));
}

if (isMain(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
