/** crossEntropy (forward and gradient) and accuracy as gpu.js kernels; the batch mean is taken in float64 on the host. */
import { sizeOf, type Labels, type Tensor } from '../../reference/index.ts';
import { assertLabels } from '../../reference/crossEntropy.ts';
import type { KernelContext } from './context.ts';
import type { KernelSpec } from './runtime.ts';

/** `this` inside a gpu.js kernel; constants must be read as `this.constants.name`. */
type K = { thread: { x: number }; constants: Record<string, number> };

/** Per row n: -logSoftmax(logits)[n, label[n]]. */
function rowLossKernel(this: K, logits: Float32Array, labels: Float32Array, nan: number, inf: number): number {
  const row = this.thread.x * this.constants.classes;
  let max = logits[row];
  // NaN or +Infinity anywhere makes the row NaN (PyTorch). GPU max() drops NaN (NaN fails both tests
  // below), and GPU arithmetic need not propagate it, so the row returns `nan`, passed in like `inf`.
  for (let c = 1; c < this.constants.classes; c++) {
    const v = logits[row + c];
    if (v > max || (!(v < 1e38) && !(v >= 1e38))) max = v;
  }
  if (max >= inf) return nan; // +Infinity in the row: x - max is NaN for it, so the row is NaN
  if (!(max < 1e38) && !(max >= 1e38)) return nan;
  let sum = 0;
  for (let c = 0; c < this.constants.classes; c++) sum += Math.exp(logits[row + c] - max);
  // Shifted first: max + log(sum) would round at the scale of max, far coarser for large logits.
  return Math.log(sum) - (logits[row + labels[this.thread.x]] - max);
}

/** (softmax - onehot) / N, element (n, c). */
function crossEntropyGradKernel(this: K, logits: Float32Array, labels: Float32Array, nan: number, inf: number): number {
  const n = Math.floor((this.thread.x + 0.5) / this.constants.classes);
  const row = n * this.constants.classes;
  let max = logits[row];
  // NaN or +Infinity anywhere makes the row NaN (PyTorch). GPU max() drops NaN (NaN fails both tests
  // below), and GPU arithmetic need not propagate it, so the row returns `nan`, passed in like `inf`.
  for (let c = 1; c < this.constants.classes; c++) {
    const v = logits[row + c];
    if (v > max || (!(v < 1e38) && !(v >= 1e38))) max = v;
  }
  if (max >= inf) return nan; // +Infinity in the row: x - max is NaN for it, so the row is NaN
  if (!(max < 1e38) && !(max >= 1e38)) return nan;
  let sum = 0;
  for (let c = 0; c < this.constants.classes; c++) sum += Math.exp(logits[row + c] - max);
  let p = Math.exp(logits[this.thread.x] - max) / sum;
  if (this.thread.x - row === labels[n]) p = p - 1;
  return p / this.constants.batch;
}

/** 1 where the row's first maximum is at the label, else 0; takes (and ignores) `nan` and `inf` so it shares runPerRow with the loss. */
function correctKernel(this: K, logits: Float32Array, labels: Float32Array, nan: number, inf: number): number {
  const row = this.thread.x * this.constants.classes;
  let best = 0;
  for (let c = 1; c < this.constants.classes; c++) {
    if (logits[row + c] > logits[row + best]) best = c;
  }
  if (best === labels[this.thread.x]) return 1;
  return 0;
}

function perRowSpec(name: string, source: typeof rowLossKernel, logits: Tensor, length: number): KernelSpec {
  const [batch, classes] = logits.shape;
  return { key: `${name} ${batch} ${classes}`, source, outputLength: length, constants: { batch, classes }, loopIterations: 2 * classes };
}

/** One value per row (a loss, a hit), read back for the host to average. */
function runPerRow(rt: KernelContext, name: string, source: typeof rowLossKernel, logits: Tensor, labels: Labels) {
  return rt.run(perRowSpec(name, source, logits, logits.shape[0]), [rt.arg(logits), Float32Array.from(labels), NaN, Infinity]);
}

function mean(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export async function crossEntropy(rt: KernelContext, logits: Tensor, labels: Labels): Promise<number> {
  assertLabels('crossEntropy', logits, labels);
  return mean(await runPerRow(rt, 'crossEntropy', rowLossKernel, logits, labels));
}

export async function crossEntropyBackward(rt: KernelContext, logits: Tensor, labels: Labels): Promise<{ dlogits: Tensor }> {
  assertLabels('crossEntropyBackward', logits, labels);
  const spec = perRowSpec('crossEntropy.dlogits', crossEntropyGradKernel, logits, sizeOf(logits.shape));
  return { dlogits: await rt.tensor(logits.shape, spec, [rt.arg(logits), Float32Array.from(labels), NaN, Infinity]) };
}

export async function accuracy(rt: KernelContext, logits: Tensor, labels: Labels): Promise<number> {
  assertLabels('accuracy', logits, labels);
  return mean(await runPerRow(rt, 'accuracy', correctKernel, logits, labels));
}
