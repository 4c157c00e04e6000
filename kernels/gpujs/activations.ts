/** sigmoid, relu, softmax and logSoftmax with their backward passes, as gpu.js kernels. */
import { assertTensor, sizeOf, type Tensor } from '../../reference/index.ts';
import { assertGradientShape } from '../../reference/shape.ts';
import type { KernelContext } from './context.ts';
import type { KernelSpec } from './runtime.ts';

/** `this` inside a gpu.js kernel; constants must be read as `this.constants.name`. */
type K = { thread: { x: number }; constants: Record<string, number> };

function sigmoidKernel(this: K, x: Float32Array): number {
  const v = x[this.thread.x];
  // exp of a non-positive number only: no overflow on any backend.
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

function sigmoidBackwardKernel(this: K, dy: Float32Array, y: Float32Array): number {
  const v = y[this.thread.x];
  return dy[this.thread.x] * v * (1 - v);
}

/**
 * NaN fails both comparisons and falls through unchanged (PyTorch keeps NaN). `v <= 0` would not do:
 * a GLSL compiler may fold it into `!(v > 0)` (headlessgl did, and returned 0 for NaN).
 */
function reluKernel(this: K, x: Float32Array): number {
  const v = x[this.thread.x];
  if (v > 0) return v;
  if (v < 1e38) return 0;
  return v;
}

/** PyTorch's x <= 0 ? 0 : dy: a NaN x passes dy through (NaN fails both comparisons, as in relu). */
function reluBackwardKernel(this: K, dy: Float32Array, x: Float32Array): number {
  const v = x[this.thread.x];
  if (v > 0) return dy[this.thread.x];
  if (v < 1e38) return 0;
  return dy[this.thread.x];
}

/** Row-wise over `[N, C]`: thread (n, c) rescans its row (C is small: class counts). */
function softmaxKernel(this: K, x: Float32Array, nan: number, inf: number): number {
  const row = Math.floor((this.thread.x + 0.5) / this.constants.classes) * this.constants.classes;
  let max = x[row];
  // NaN or +Infinity anywhere makes the row NaN (PyTorch). GPU max() drops NaN (NaN fails both tests
  // below), and GPU arithmetic need not propagate it, so the row returns `nan`, passed in like `inf`.
  for (let c = 1; c < this.constants.classes; c++) {
    const v = x[row + c];
    if (v > max || (!(v < 1e38) && !(v >= 1e38))) max = v;
  }
  if (max >= inf) return nan; // +Infinity in the row: x - max is NaN for it, so the row is NaN
  if (!(max < 1e38) && !(max >= 1e38)) return nan;
  let sum = 0;
  for (let c = 0; c < this.constants.classes; c++) sum += Math.exp(x[row + c] - max);
  return Math.exp(x[this.thread.x] - max) / sum;
}

function softmaxBackwardKernel(this: K, dy: Float32Array, y: Float32Array): number {
  const row = Math.floor((this.thread.x + 0.5) / this.constants.classes) * this.constants.classes;
  let dot = 0;
  for (let c = 0; c < this.constants.classes; c++) dot += dy[row + c] * y[row + c];
  return y[this.thread.x] * (dy[this.thread.x] - dot);
}

function logSoftmaxKernel(this: K, x: Float32Array, nan: number, inf: number): number {
  const row = Math.floor((this.thread.x + 0.5) / this.constants.classes) * this.constants.classes;
  let max = x[row];
  // NaN or +Infinity anywhere makes the row NaN (PyTorch). GPU max() drops NaN (NaN fails both tests
  // below), and GPU arithmetic need not propagate it, so the row returns `nan`, passed in like `inf`.
  for (let c = 1; c < this.constants.classes; c++) {
    const v = x[row + c];
    if (v > max || (!(v < 1e38) && !(v >= 1e38))) max = v;
  }
  if (max >= inf) return nan; // +Infinity in the row: x - max is NaN for it, so the row is NaN
  if (!(max < 1e38) && !(max >= 1e38)) return nan;
  let sum = 0;
  for (let c = 0; c < this.constants.classes; c++) sum += Math.exp(x[row + c] - max);
  return x[this.thread.x] - max - Math.log(sum);
}

/** A NaN y or a NaN in the row's sum of dy makes dx NaN: tested, since a GPU's exp(NaN) need not be NaN. */
function logSoftmaxBackwardKernel(this: K, dy: Float32Array, y: Float32Array, nan: number): number {
  const row = Math.floor((this.thread.x + 0.5) / this.constants.classes) * this.constants.classes;
  let sum = 0;
  for (let c = 0; c < this.constants.classes; c++) sum += dy[row + c];
  const v = y[this.thread.x];
  if (!(v < 1e38) && !(v >= 1e38)) return nan;
  if (!(sum < 1e38) && !(sum >= 1e38)) return nan;
  return dy[this.thread.x] - Math.exp(v) * sum;
}

function elementwiseSpec(name: string, source: KernelSpec['source'], t: Tensor, constants: Record<string, number> = {}): KernelSpec {
  // Row kernels loop over a row's classes (twice at most); elementwise ones do not loop.
  return { key: `${name} ${t.shape.join('x')}`, source, outputLength: sizeOf(t.shape), constants, loopIterations: 2 * (constants.classes ?? 0) };
}

async function unary(rt: KernelContext, op: string, source: KernelSpec['source'], x: Tensor, rank?: number): Promise<Tensor> {
  assertTensor(op, 'x', x, rank, rank === 2 ? '[N, C]' : undefined);
  const constants: Record<string, number> = rank === 2 ? { classes: x.shape[1] } : {};
  // Row-wise kernels take NaN and +Infinity as arguments: gpu.js writes Infinity into GLSL as 3.4e38, and NaN not at all.
  return rt.tensor(x.shape, elementwiseSpec(op, source, x, constants), rank === 2 ? [rt.arg(x), NaN, Infinity] : [rt.arg(x)]);
}

async function binaryBackward(
  rt: KernelContext, op: string, source: KernelSpec['source'], dy: Tensor, other: Tensor, otherName: string, rank?: number,
): Promise<{ dx: Tensor }> {
  const layout = rank === 2 ? '[N, C]' : undefined;
  assertTensor(op, 'dy', dy, rank, layout);
  assertTensor(op, otherName, other, rank, layout);
  assertGradientShape(op, dy.shape, other.shape);
  const constants: Record<string, number> = rank === 2 ? { classes: other.shape[1] } : {};
  const args = source === logSoftmaxBackwardKernel ? [rt.arg(dy), rt.arg(other), NaN] : [rt.arg(dy), rt.arg(other)];
  return { dx: await rt.tensor(other.shape, elementwiseSpec(op, source, other, constants), args) };
}

export const sigmoid = (rt: KernelContext, x: Tensor) => unary(rt, 'sigmoid', sigmoidKernel, x);
export const sigmoidBackward = (rt: KernelContext, dy: Tensor, output: Tensor) =>
  binaryBackward(rt, 'sigmoidBackward', sigmoidBackwardKernel, dy, output, 'output');
export const relu = (rt: KernelContext, x: Tensor) => unary(rt, 'relu', reluKernel, x);
export const reluBackward = (rt: KernelContext, dy: Tensor, x: Tensor) => binaryBackward(rt, 'reluBackward', reluBackwardKernel, dy, x, 'x');
export const softmax = (rt: KernelContext, x: Tensor) => unary(rt, 'softmax', softmaxKernel, x, 2);
export const softmaxBackward = (rt: KernelContext, dy: Tensor, output: Tensor) =>
  binaryBackward(rt, 'softmaxBackward', softmaxBackwardKernel, dy, output, 'output', 2);
export const logSoftmax = (rt: KernelContext, x: Tensor) => unary(rt, 'logSoftmax', logSoftmaxKernel, x, 2);
export const logSoftmaxBackward = (rt: KernelContext, dy: Tensor, output: Tensor) =>
  binaryBackward(rt, 'logSoftmaxBackward', logSoftmaxBackwardKernel, dy, output, 'output', 2);
