/**
 * What `npm run bench` measures: named shapes, and for each the operations timed on it, with their
 * work (floating-point operations, or elements for pools) so throughput can be derived.
 */
import * as ref from '../reference/index';
import { withoutResidency, type Backend } from '../kernels/backend';
import { createReferenceBackend } from '../kernels/referenceBackend';
import { LENET } from '../fixtures/lenet/architecture';
import { initParameters, toDevice, trainStep } from '../fixtures/lenet/model';
import { abs } from '../properties/tensorOps';
import { float32Tensor } from '../properties/tensors';
import { sumOfProductsTolerance, transcendentalTolerance } from '../properties/tolerance';

/** One timed call: `run` on a backend; `check` compares its result with the reference's first. */
export interface BenchCase {
  /** e.g. 'lenet-conv2' */
  readonly shape: string;
  /** e.g. 'conv2d', 'conv2dBackward', 'trainStep' */
  readonly op: string;
  /** Human description of the shape, e.g. 'N=256 Cin=6 14x14 Cout=16 k5'. */
  readonly description: string;
  /** Work per call, and its unit: GFLOP/s is derived from 'flop', Melem/s from 'element'. */
  readonly work: number;
  readonly unit: 'flop' | 'element';
  /** In the `--quick` set. */
  readonly quick: boolean;
  /** Whether the case means anything on this backend (default: every backend). */
  appliesTo?(backend: Backend): boolean;
  /** Runs once on the backend; the result is what `check` compares. */
  run(backend: Backend): Promise<unknown>;
  /** The largest `|result - reference| / bound` (<= 1 is correct), computed once before timing. */
  check(result: unknown): number | Promise<number>;
}

/** Computes a reference result at most once, on first use (some take seconds), and keeps it for every backend. */
function once<T>(compute: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= compute());
}

const worst = (actual: ref.Tensor, expected: ref.Tensor, bound: ArrayLike<number>) => {
  if (actual.shape.join() !== expected.shape.join()) return Infinity;
  let ratio = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = Math.abs(actual.data[i] - expected.data[i]);
    if (!(e <= bound[i]) && e !== 0) ratio = Math.max(ratio, Number.isNaN(e) ? Infinity : e / bound[i]);
  }
  return ratio;
};

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

function convCases(s: ConvShape): BenchCase[] {
  const x = float32Tensor(s.x, 1);
  const w = float32Tensor(s.w, 2);
  const b = float32Tensor([s.w[0]], 3);
  const g = ref.resolveConv2d('bench', s.x, s.w, [s.w[0]], s.options);
  const macs = g.batch * g.outChannels * g.outH * g.outW * g.inChannels * g.kernelH * g.kernelW;
  const dy = float32Tensor([g.batch, g.outChannels, g.outH, g.outW], 4);
  const base = { shape: s.name, description: describeConv(s), quick: s.quick, unit: 'flop' as const };
  const forward = once(() => ({ y: ref.conv2d(x, w, b, s.options), bound: sumOfProductsTolerance(ref.conv2d(abs(x), abs(w), abs(b), s.options).data, g.inChannels * g.kernelH * g.kernelW + 1) }));
  const backward = once(() => ({ want: ref.conv2dBackward(dy, x, w, s.options), bound: ref.conv2dBackward(abs(dy), abs(x), abs(w), s.options) }));
  return [
    {
      ...base, op: 'conv2d', work: 2 * macs,
      run: (backend) => backend.conv2d(x, w, b, s.options),
      check: (y) => worst(y as ref.Tensor, forward().y, forward().bound),
    },
    {
      ...base, op: 'conv2dBackward', work: 4 * macs, // dx and dw, 2 flops per multiply-add each (db is negligible)
      run: (backend) => backend.conv2dBackward(dy, x, w, s.options),
      check: (r) => {
        const got = r as ref.Conv2dGradients;
        const { want, bound } = backward();
        const positions = g.batch * g.outH * g.outW;
        return Math.max(
          worst(got.dx, want.dx, sumOfProductsTolerance(bound.dx.data, g.outChannels * g.kernelH * g.kernelW)),
          worst(got.dw, want.dw, sumOfProductsTolerance(bound.dw.data, positions)),
          worst(got.db, want.db, sumOfProductsTolerance(bound.db.data, positions)),
        );
      },
    },
  ];
}

function poolCases(s: PoolShape): BenchCase[] {
  const x = float32Tensor(s.x, 5, s.kind === 'max' ? 'distinct' : 'uniform');
  const g = ref.resolvePool2d('bench', s.x, s.options, s.kind === 'max' ? ref.MAX_POOL2D_OPTIONS : ref.AVG_POOL2D_OPTIONS);
  const dy = float32Tensor([g.batch, g.channels, g.outH, g.outW], 6);
  const terms = g.kernelH * g.kernelW;
  const base = { shape: s.name, description: `${s.kind} N=${s.x[0]} C=${s.x[1]} ${s.x[2]}x${s.x[3]} k${g.kernelH} s${g.strideH}${g.padTop ? ` p${g.padTop}` : ''}`, quick: s.quick, unit: 'element' as const, work: x.data.length };
  const forward = s.kind === 'max' ? ref.maxPool2d : ref.avgPool2d;
  const backward = s.kind === 'max' ? ref.maxPool2dBackward : ref.avgPool2dBackward;
  return [
    {
      ...base, op: `${s.kind}Pool2d`,
      run: (backend) => (s.kind === 'max' ? backend.maxPool2d(x, s.options) : backend.avgPool2d(x, s.options)),
      check: (y) => worst(y as ref.Tensor, forward(x, s.options), sumOfProductsTolerance(forward(abs(x), s.options).data, terms)),
    },
    {
      ...base, op: `${s.kind}Pool2dBackward`,
      run: (backend) => (s.kind === 'max' ? backend.maxPool2dBackward(dy, x, s.options) : backend.avgPool2dBackward(dy, x, s.options)),
      check: (r) => worst((r as { dx: ref.Tensor }).dx, backward(dy, x, s.options).dx, sumOfProductsTolerance(backward(abs(dy), x, s.options).dx.data, terms)),
    },
  ];
}

function linearCases(s: LinearShape): BenchCase[] {
  const x = float32Tensor([s.batch, s.inF], 7);
  const w = float32Tensor([s.outF, s.inF], 8);
  const b = float32Tensor([s.outF], 9);
  const dy = float32Tensor([s.batch, s.outF], 10);
  const macs = s.batch * s.inF * s.outF;
  const base = { shape: s.name, description: `N=${s.batch} ${s.inF}->${s.outF}`, quick: s.quick, unit: 'flop' as const };
  return [
    {
      ...base, op: 'linear', work: 2 * macs,
      run: (backend) => backend.linear(x, w, b),
      check: (y) => worst(y as ref.Tensor, ref.linear(x, w, b), sumOfProductsTolerance(ref.linear(abs(x), abs(w), abs(b)).data, s.inF + 1)),
    },
    {
      ...base, op: 'linearBackward', work: 4 * macs,
      run: (backend) => backend.linearBackward(dy, x, w),
      check: (r) => {
        const got = r as ref.LinearGradients;
        const want = ref.linearBackward(dy, x, w);
        const bound = ref.linearBackward(abs(dy), abs(x), abs(w));
        return Math.max(
          worst(got.dx, want.dx, sumOfProductsTolerance(bound.dx.data, s.outF)),
          worst(got.dw, want.dw, sumOfProductsTolerance(bound.dw.data, s.batch)),
          worst(got.db, want.db, sumOfProductsTolerance(bound.db.data, s.batch)),
        );
      },
    },
  ];
}

/** Multiply-adds of one LeNet forward pass per example (convolutions and linear layers). */
export const LENET_MACS_PER_EXAMPLE = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10;

/**
 * One whole LeNet training step at batch 256 (forward, backward, SGD), from fixed parameters, as
 * `npm run lenet` runs it: resident parameters and activations where the backend has device memory.
 * `resident: false` is the same step with every operation copying its inputs in and results out,
 * on those backends only, so the gain from residency is a ratio in one run.
 */
function trainStepCase(resident: boolean): BenchCase {
  const batch = 256;
  const x = float32Tensor([batch, 1, 28, 28], 11);
  const random = ref.createRandom(12);
  const labels = Array.from({ length: batch }, () => random.integer(10));
  const initial = initParameters(ref.createRandom(13), LENET);
  // Each call starts from the same parameters, so every timed step does the same work.
  const fresh = () => initial.map((p) => p && { weight: { shape: p.weight.shape, data: Float32Array.from(p.weight.data) }, bias: { shape: p.bias.shape, data: Float32Array.from(p.bias.data) } });
  return {
    shape: 'lenet-train-step', op: resident ? 'trainStep' : 'trainStepCopying', quick: true, unit: 'flop',
    description: resident ? 'batch 256, forward + backward + SGD (lr 0.9)' : 'the same, every op copying in and out (no residency)',
    work: 3 * 2 * LENET_MACS_PER_EXAMPLE * batch, // forward, dx and dw: three passes of the multiply-adds
    ...(resident ? {} : { appliesTo: (backend: Backend) => backend.device !== undefined }),
    run: async (backend) => {
      if (!resident) return trainStep(withoutResidency(backend), x, labels, fresh(), 0.9);
      const parameters = await toDevice(backend, fresh());
      const result = await trainStep(backend, x, labels, parameters, 0.9);
      for (const p of parameters) for (const t of p ? [p.weight, p.bias] : []) if (ref.isResident(t)) t.release();
      return result;
    },
    check: async (r) => {
      // The loss before the step, against the reference's: the error model of the longest sum (fc1, 400 terms).
      const expected = (await trainStep(createReferenceBackend(), x, labels, fresh(), 0.9)).loss;
      const bound = transcendentalTolerance([expected], 400)[0];
      return Math.abs((r as { loss: number }).loss - expected) / bound;
    },
  };
}

export function benchCases(): BenchCase[] {
  return [...CONV_SHAPES.flatMap(convCases), ...POOL_SHAPES.flatMap(poolCases), ...LINEAR_SHAPES.flatMap(linearCases), trainStepCase(true), trainStepCase(false)];
}
