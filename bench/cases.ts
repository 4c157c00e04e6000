/**
 * What `npm run bench` measures: named shapes, and for each the operations timed on it, with their
 * work (floating-point operations, or elements for pools) so throughput can be derived.
 */
import * as ref from '../reference/index.ts';
import { withoutResidency, type Backend } from '../kernels/backend.ts';
import { LENET } from '../fixtures/lenet/architecture.ts';
import { initParameters, toDevice, trainStep, type LayerParameters } from '../fixtures/lenet/model.ts';
// The suite's own judges (the same modules the package exports; these three also run in the browser page).
import { compareScalars, type Comparison } from '../properties/compare.ts';
import { EXPECTATIONS, judge, type OperationName } from '../properties/judges.ts';
import { float32Tensor } from '../properties/tensors.ts';
import { recordStep, releaseParameters, replayStep } from './trainStep.ts';

/** What a check found: the worst comparison's `|result - reference| / bound` (<= 1 passes) and, when it failed, its message. */
export interface CheckResult {
  readonly ratio: number;
  /** The failing comparison's message: the tensor, the check that failed, the element and its values. */
  readonly message?: string;
}

/** One timed call: `run` on a backend; `check` compares its result with the reference's first. */
export interface BenchCase {
  /** e.g. 'lenet-conv2' */
  readonly shape: string;
  /** e.g. 'conv2d', 'conv2dBackward', 'trainStep' */
  readonly op: string;
  /** The backend operations a call makes: a backend lacking one cannot run the case. */
  readonly uses: readonly OperationName[];
  /** Human description of the shape, e.g. 'N=256 Cin=6 14x14 Cout=16 k5'. */
  readonly description: string;
  /** Work per call, and its unit: GFLOP/s is derived from 'flop', Melem/s from 'element'. */
  readonly work: number;
  readonly unit: 'flop' | 'element';
  /** In the `--quick` set. */
  readonly quick: boolean;
  /** Whether the case means anything on this backend (default: every backend). */
  appliesTo?(backend: Backend): boolean;
  /** Draws the case's inputs (they are drawn on first use), so that no backend's first call is charged for it. */
  prepare?(): void;
  /** Runs once on the backend; the result is what `check` compares. */
  run(backend: Backend): Promise<unknown>;
  /**
   * Compares the result with the reference's (`compareTensors`, within the error model), once before
   * timing. `backend` is the one `run` ran on, for a check that needs more than the result (the LeNet
   * step replays its operations).
   */
  check(result: unknown, backend: Backend): CheckResult | Promise<CheckResult>;
}

/** The worst of a result's comparisons; a failed one's message says also which others failed. */
export function worstOf(comparisons: readonly Comparison[]): CheckResult {
  // A comparison that failed has a ratio over 1 (Infinity for structure and NaN placement); taken as Infinity if not.
  const ratioOf = (c: Comparison) => (c.ok || c.ratio > 1 ? c.ratio : Infinity);
  let worst: Comparison | undefined;
  for (const c of comparisons) if (!worst || ratioOf(c) > ratioOf(worst)) worst = c;
  if (!worst) return { ratio: 0 };
  const ratio = ratioOf(worst);
  if (ratio <= 1) return { ratio };
  const others = comparisons.filter((c) => c !== worst && !(ratioOf(c) <= 1)).map((c) => c.message.slice(0, c.message.indexOf(':')));
  return { ratio, message: others.length > 0 ? `${worst.message}; also wrong: ${others.join(', ')}` : worst.message };
}

/** Computes a reference result at most once, on first use (some take seconds), and keeps it for every backend. */
function once<T>(compute: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= compute());
}

interface ConvShape { name: string; x: number[]; w: number[]; options: ref.Conv2dOptions; quick: boolean }
interface PoolShape { name: string; kind: 'max' | 'avg'; x: number[]; options: ref.MaxPool2dOptions & ref.AvgPool2dOptions; quick: boolean }
interface LinearShape { name: string; batch: number; inF: number; outF: number; quick: boolean }

export const CONV_SHAPES: readonly ConvShape[] = [
  { name: 'lenet-conv1', x: [256, 1, 28, 28], w: [6, 1, 5, 5], options: { padding: 2 }, quick: true },
  { name: 'lenet-conv2', x: [256, 6, 14, 14], w: [16, 6, 5, 5], options: {}, quick: true },
  { name: 'conv3x3', x: [8, 64, 56, 56], w: [64, 64, 3, 3], options: { padding: 1 }, quick: false },
  { name: 'conv1x1', x: [8, 256, 28, 28], w: [64, 256, 1, 1], options: {}, quick: false },
];
export const POOL_SHAPES: readonly PoolShape[] = [
  { name: 'lenet-pool1', kind: 'avg', x: [256, 6, 28, 28], options: { kernelSize: 2, stride: 2 }, quick: true },
  { name: 'lenet-pool2', kind: 'avg', x: [256, 16, 10, 10], options: { kernelSize: 2, stride: 2 }, quick: false },
  { name: 'maxpool3x3s2', kind: 'max', x: [8, 64, 56, 56], options: { kernelSize: 3, stride: 2, padding: 1 }, quick: false },
];
export const LINEAR_SHAPES: readonly LinearShape[] = [
  { name: 'lenet-fc1', batch: 256, inF: 400, outF: 120, quick: true },
  { name: 'lenet-fc2', batch: 256, inF: 120, outF: 84, quick: false },
  { name: 'lenet-fc3', batch: 256, inF: 84, outF: 10, quick: false },
];

const describeConv = (s: ConvShape) => `N=${s.x[0]} Cin=${s.x[1]} ${s.x[2]}x${s.x[3]} Cout=${s.w[0]} k${s.w[2]}${s.options.padding ? ` p${s.options.padding}` : ''}`;

/**
 * One timed call of `op`: its arguments, drawn on first use (the big shapes take a while, and most
 * runs select a few cases), and its check: the expectations (the reference's answer and the bound
 * of the operation's error model, properties/judges.ts) computed at most once, on first use (the
 * reference takes seconds on the big shapes), and shared by every backend.
 */
function call(op: OperationName, label: string, make: () => unknown[]): { args: () => unknown[]; check: (result: unknown) => CheckResult } {
  // A copy taken as the arguments are made, before any backend ran: a backend that writes into its inputs cannot move the reference's answer.
  const made = once(() => {
    const args = make();
    return { args, before: structuredClone(args) };
  });
  const expectations = once(() => EXPECTATIONS[op](made().before, label));
  return { args: () => made().args, check: (result) => worstOf(judge(expectations(), result)) };
}

/**
 * A shape's forward and backward calls share their tensors: both copies are taken before either
 * runs, so a backend that writes into an input in one cannot move the other's reference answer.
 */
const both = (...calls: { args: () => unknown[] }[]) => (): void => calls.forEach((c) => c.args());

type T = ref.Tensor;

function convCases(s: ConvShape): BenchCase[] {
  const g = ref.resolveConv2d('bench', s.x, s.w, [s.w[0]], s.options);
  const macs = g.batch * g.outChannels * g.outH * g.outW * g.inChannels * g.kernelH * g.kernelW;
  const tensors = once(() => ({
    x: float32Tensor(s.x, 1), w: float32Tensor(s.w, 2), b: float32Tensor([s.w[0]], 3), dy: float32Tensor([g.batch, g.outChannels, g.outH, g.outW], 4),
  }));
  const forward = call('conv2d', `${s.name} `, () => [tensors().x, tensors().w, tensors().b, s.options]);
  const backward = call('conv2dBackward', `${s.name} `, () => [tensors().dy, tensors().x, tensors().w, s.options]);
  const base = { shape: s.name, description: describeConv(s), quick: s.quick, unit: 'flop' as const };
  return [
    { ...base, op: 'conv2d', uses: ['conv2d'], work: 2 * macs, prepare: both(forward, backward), run: (backend) => backend.conv2d(...(forward.args() as [T, T, T, ref.Conv2dOptions])), check: forward.check },
    {
      ...base, op: 'conv2dBackward', uses: ['conv2dBackward'], work: 4 * macs, prepare: both(forward, backward), // dx and dw, 2 flops per multiply-add each (db is negligible)
      run: (backend) => backend.conv2dBackward(...(backward.args() as [T, T, T, ref.Conv2dOptions])),
      check: backward.check,
    },
  ];
}

function poolCases(s: PoolShape): BenchCase[] {
  const g = ref.resolvePool2d('bench', s.x, s.options, s.kind === 'max' ? ref.MAX_POOL2D_OPTIONS : ref.AVG_POOL2D_OPTIONS);
  const tensors = once(() => ({ x: float32Tensor(s.x, 5, s.kind === 'max' ? 'distinct' : 'uniform'), dy: float32Tensor([g.batch, g.channels, g.outH, g.outW], 6) }));
  const base = { shape: s.name, description: `${s.kind} N=${s.x[0]} C=${s.x[1]} ${s.x[2]}x${s.x[3]} k${g.kernelH} s${g.strideH}${g.padTop ? ` p${g.padTop}` : ''}`, quick: s.quick, unit: 'element' as const, work: ref.sizeOf(s.x) };
  const forward = s.kind === 'max' ? 'maxPool2d' : 'avgPool2d';
  const backward = s.kind === 'max' ? 'maxPool2dBackward' : 'avgPool2dBackward';
  const forwardCall = call(forward, `${s.name} `, () => [tensors().x, s.options]);
  const backwardCall = call(backward, `${s.name} `, () => [tensors().dy, tensors().x, s.options]);
  return [
    { ...base, op: forward, uses: [forward], prepare: both(forwardCall, backwardCall), run: (backend) => backend[forward](...(forwardCall.args() as [T, ref.MaxPool2dOptions & ref.AvgPool2dOptions])), check: forwardCall.check },
    { ...base, op: backward, uses: [backward], prepare: both(forwardCall, backwardCall), run: (backend) => backend[backward](...(backwardCall.args() as [T, T, ref.MaxPool2dOptions & ref.AvgPool2dOptions])), check: backwardCall.check },
  ];
}

function linearCases(s: LinearShape): BenchCase[] {
  const tensors = once(() => ({
    x: float32Tensor([s.batch, s.inF], 7), w: float32Tensor([s.outF, s.inF], 8), b: float32Tensor([s.outF], 9), dy: float32Tensor([s.batch, s.outF], 10),
  }));
  const forward = call('linear', `${s.name} `, () => [tensors().x, tensors().w, tensors().b]);
  const backward = call('linearBackward', `${s.name} `, () => [tensors().dy, tensors().x, tensors().w]);
  const macs = s.batch * s.inF * s.outF;
  const base = { shape: s.name, description: `N=${s.batch} ${s.inF}->${s.outF}`, quick: s.quick, unit: 'flop' as const };
  return [
    { ...base, op: 'linear', uses: ['linear'], work: 2 * macs, prepare: both(forward, backward), run: (backend) => backend.linear(...(forward.args() as [T, T, T])), check: forward.check },
    { ...base, op: 'linearBackward', uses: ['linearBackward'], work: 4 * macs, prepare: both(forward, backward), run: (backend) => backend.linearBackward(...(backward.args() as [T, T, T])), check: backward.check },
  ];
}

/** Multiply-adds of one LeNet forward pass per example (convolutions and linear layers). */
export const LENET_MACS_PER_EXAMPLE = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10;

const STEP_BATCH = 256;

/** The operations a LeNet training step calls (fixtures/lenet/model.ts: forward, loss, backward, sgd). */
export const STEP_OPERATIONS: readonly OperationName[] = [
  'conv2d', 'sigmoid', 'avgPool2d', 'flatten', 'linear', 'crossEntropy', 'accuracy', 'crossEntropyBackward',
  'linearBackward', 'sigmoidBackward', 'flattenBackward', 'avgPool2dBackward', 'conv2dBackward', 'sgd',
];
const STEP_LR = 0.9;

/** The step's fixed input, labels and initial parameters (float32), the same for every backend and both variants. */
const stepInputs = once(() => {
  const random = ref.createRandom(12);
  return {
    x: float32Tensor([STEP_BATCH, 1, 28, 28], 11),
    labels: Array.from({ length: STEP_BATCH }, () => random.integer(10)),
    initial: initParameters(ref.createRandom(13), LENET),
  };
});

/** Float32 copies of the initial parameters: SGD updates them in place, so each step starts from its own. */
function freshParameters(): LayerParameters[] {
  return stepInputs().initial.map((p) => p && { weight: { shape: p.weight.shape, data: Float32Array.from(p.weight.data) }, bias: { shape: p.bias.shape, data: Float32Array.from(p.bias.data) } });
}

/**
 * One whole LeNet training step at batch 256 (forward, backward, SGD), from fixed parameters, as
 * `npm run lenet` runs it (`trainStep`): resident parameters and activations where the backend has
 * device memory. `resident: false` is the same step with every operation copying its inputs in and
 * results out, on those backends only, so the gain from residency is a ratio in one run.
 *
 * The check, before timing and outside it: one more step from the same parameters, recorded op by op
 * (bench/trainStep.ts), every operation held to the reference operation on the inputs it got, within
 * its own conformance bound: every activation, gradient and updated parameter; and the timed call's
 * loss must be the recorded step's, bit for bit (the same backend on the same inputs).
 */
function trainStepCase(resident: boolean): BenchCase {
  const on = (backend: Backend) => (resident ? backend : withoutResidency(backend));
  return {
    shape: 'lenet-train-step', op: resident ? 'trainStep' : 'trainStepCopying', quick: true, unit: 'flop', uses: STEP_OPERATIONS, prepare: () => void stepInputs(),
    description: resident ? `batch ${STEP_BATCH}, forward + backward + SGD (lr ${STEP_LR})` : 'the same, every op copying in and out (no residency)',
    work: 3 * 2 * LENET_MACS_PER_EXAMPLE * STEP_BATCH, // forward, dx and dw: three passes of the multiply-adds
    ...(resident ? {} : { appliesTo: (backend: Backend) => backend.device !== undefined }),
    // Each call starts from the same parameters, so every timed step does the same work.
    run: async (backend) => {
      const { x, labels } = stepInputs();
      const parameters = await toDevice(on(backend), freshParameters());
      try {
        return await trainStep(on(backend), x, labels, parameters, STEP_LR);
      } finally {
        releaseParameters(parameters);
      }
    },
    check: async (r, backend) => {
      const { x, labels } = stepInputs();
      const log = await recordStep(on(backend), x, labels, freshParameters(), STEP_LR);
      const recorded = log.find((op) => op.op === 'crossEntropy')?.output;
      const same = compareScalars('trainStep loss (the timed call vs the recorded step)', (r as { loss?: unknown } | undefined)?.loss, recorded as number, 0);
      return worstOf([same, ...replayStep(log)]);
    },
  };
}

export function benchCases(): BenchCase[] {
  return [...CONV_SHAPES.flatMap(convCases), ...POOL_SHAPES.flatMap(poolCases), ...LINEAR_SHAPES.flatMap(linearCases), trainStepCase(true), trainStepCase(false)];
}
