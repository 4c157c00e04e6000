/**
 * `d2l-convnet-harness bench MODULE`: the bench's cases (bench/cases.ts: LeNet's layers at batch 256,
 * the larger conv and pool shapes, the LeNet training step) on a backend of your own, whole or
 * partial, beside the reference (the baseline of "x ref") and any other backends you pass, in one
 * run. Each case is checked against the reference within its error model first: a wrong result is
 * reported with what was wrong and never timed. A case calling an operation the backend lacks is
 * listed as not implemented. Node only (tinybench), no file system: the command writes the JSON.
 */
import { completeBackend, implementedOperations, type Backend, type OperationName, type PartialBackend } from '../kernels/backend.ts';
import { createReferenceBackend } from '../kernels/referenceBackend.ts';
import { benchCases, type BenchCase } from './cases.ts';
import type { BenchResult } from './report.ts';
import { timeCase } from './timing.ts';

export interface ModuleBenchOptions {
  /** The LeNet shapes and the training step only. Default false (every shape). */
  readonly quick?: boolean;
  /** Only the cases of these operations (a case's `op`: 'conv2d', 'trainStep', ...). Default all. */
  readonly ops?: readonly string[];
  /** Only these shapes ('lenet-conv2', 'conv3x3', ...). Default all. */
  readonly shapes?: readonly string[];
  /** tinybench's time budget per figure, in ms. Default 1000 (300 with `quick`). */
  readonly timeMs?: number;
  /** Time the reference on the same cases, as the baseline of every "x ref". Default true. */
  readonly reference?: boolean;
  /** More backends to time beside yours, in the same run (e.g. this repository's wasm-simd). Default none. */
  readonly others?: readonly Backend[];
  /** Progress, a line at a time. Default: nothing. */
  readonly log?: (line: string) => void;
}

/** A case the backend could not run: the operations it lacks. */
export interface NotImplementedCase {
  readonly shape: string;
  readonly op: string;
  readonly missing: readonly OperationName[];
}

export interface ModuleBench {
  readonly results: BenchResult[];
  readonly notImplemented: NotImplementedCase[];
}

/** The case names `ops` and `shapes` may hold, for the errors that list them. */
export function benchCaseNames(): { ops: string[]; shapes: string[] } {
  const cases = benchCases();
  return { ops: [...new Set(cases.map((c) => c.op))], shapes: [...new Set(cases.map((c) => c.shape))] };
}

/** The cases `options` selects: throws, naming the known ones, for a name that is none. */
export function selectBenchCases(options: Pick<ModuleBenchOptions, 'quick' | 'ops' | 'shapes'>): BenchCase[] {
  const known = benchCaseNames();
  const unknownOps = (options.ops ?? []).filter((op) => !known.ops.includes(op));
  if (unknownOps.length) throw new Error(`ops: the bench has no case of operation ${unknownOps.join(', ')}. Known: ${known.ops.join(', ')}.`);
  const unknownShapes = (options.shapes ?? []).filter((s) => !known.shapes.includes(s));
  if (unknownShapes.length) throw new Error(`shapes: the bench has no shape ${unknownShapes.join(', ')}. Known: ${known.shapes.join(', ')}.`);
  const cases = benchCases().filter((c) => (!options.quick || c.quick) && (!options.ops || options.ops.includes(c.op)) && (!options.shapes || options.shapes.includes(c.shape)));
  if (cases.length === 0) throw new Error('bench: no case matches the operations, shapes and --quick asked for (--quick keeps the LeNet shapes).');
  return cases;
}

/** What `backend` can run of the selected cases, and what it cannot (the operations it lacks). Throws, saying why, when it can run none. */
export function planBench(backend: PartialBackend, options: Pick<ModuleBenchOptions, 'quick' | 'ops' | 'shapes'> = {}): { runnable: BenchCase[]; notImplemented: NotImplementedCase[] } {
  const implemented = implementedOperations(backend);
  const yours = completeBackend(backend);
  const chosen = selectBenchCases(options);
  const selected = chosen.filter((c) => !c.appliesTo || c.appliesTo(yours)); // e.g. trainStepCopying: only where there is device memory
  if (selected.length === 0) {
    throw new Error(`bench: the selected cases (${chosen.map((c) => `${c.shape} ${c.op}`).join(', ')}) mean nothing on '${backend.name}': they time copying between host and device memory, and it has no device.`);
  }
  const notImplemented = selected
    .map((c) => ({ shape: c.shape, op: c.op, missing: c.uses.filter((op) => !implemented.includes(op)) }))
    .filter((c) => c.missing.length > 0);
  const runnable = selected.filter((c) => !notImplemented.some((n) => n.shape === c.shape && n.op === c.op));
  if (runnable.length === 0) {
    const could = [...new Set(benchCases().filter((c) => c.uses.every((op) => implemented.includes(op))).map((c) => c.op))];
    throw new Error(
      `bench: '${backend.name}' implements none of the operations the selected cases call (it implements: ${implemented.join(', ') || 'none'}).` +
        (could.length ? ` Cases it can run: --ops ${could.join(',')}.` : ''),
    );
  }
  return { runnable, notImplemented };
}

/**
 * Times `backend` on the selected cases, beside the reference and `others`: case by case, every
 * backend in turn (the reference first), so each ratio compares figures taken moments apart.
 */
export async function benchModule(backend: PartialBackend, options: ModuleBenchOptions = {}): Promise<ModuleBench> {
  const { quick = false, reference = true, others = [], log = () => {} } = options;
  const timeMs = options.timeMs ?? (quick ? 300 : 1000);
  const { runnable, notImplemented } = planBench(backend, options);
  const baseline = reference ? createReferenceBackend() : undefined;
  if (baseline && [backend, ...others].some((b) => b.name === baseline.name)) {
    throw new Error(`bench: a backend named '${baseline.name}' would share its rows with the reference's: give it another name.`);
  }
  const backends: Backend[] = [...(baseline ? [baseline] : []), ...others, completeBackend(backend)];
  const results: BenchResult[] = [];
  try {
    for (const c of runnable) {
      for (const b of backends) {
        if (c.appliesTo && !c.appliesTo(b)) continue;
        log(`${b.name} ${c.shape} ${c.op}`);
        const r = await timeCase(b, c, timeMs);
        const base = results.find((x) => x.backend === baseline?.name && x.shape === c.shape && x.op === c.op);
        results.push({ ...r, speedupOverReference: base?.throughput && r.throughput ? r.throughput / base.throughput : undefined });
      }
    }
  } finally {
    baseline?.dispose();
  }
  return { results, notImplemented };
}
