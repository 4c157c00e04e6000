/**
 * matmul, linear (forward and backward) and sgd as gpu.js kernels, one thread per output element,
 * every inner length a compiled-in constant.
 */
import { assertHostTensor, isResident, sizeOf, type LinearGradients, type Tensor } from '../../reference/index.ts';
import { checkLinear, checkLinearBackward } from '../../reference/linear.ts';
import { checkMatmul } from '../../reference/matmul.ts';
import { checkSgd } from '../../reference/sgd.ts';
import type { KernelContext } from './context.ts';
import type { KernelSpec } from './runtime.ts';

/** `this` inside a gpu.js kernel; constants must be read as `this.constants.name`. */
type K = { thread: { x: number }; constants: Record<string, number> };

function matmulKernel(this: K, A: Float32Array, B: Float32Array): number {
  const i = this.thread.x;
  const row = Math.floor((i + 0.5) / this.constants.n);
  const col = i - row * this.constants.n;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) sum += A[row * this.constants.k + p] * B[p * this.constants.n + col];
  return sum;
}

/** y = x wᵀ + b: thread (n, o) dots row n of x with row o of w. */
function linearKernel(this: K, x: Float32Array, w: Float32Array, b: Float32Array): number {
  const i = this.thread.x;
  const n = Math.floor((i + 0.5) / this.constants.outF);
  const o = i - n * this.constants.outF;
  let sum = b[o];
  for (let k = 0; k < this.constants.inF; k++) sum += x[n * this.constants.inF + k] * w[o * this.constants.inF + k];
  return sum;
}

/** dx = dy w: thread (n, k). */
function linearInputGradKernel(this: K, dy: Float32Array, w: Float32Array): number {
  const i = this.thread.x;
  const n = Math.floor((i + 0.5) / this.constants.inF);
  const k = i - n * this.constants.inF;
  let sum = 0;
  for (let o = 0; o < this.constants.outF; o++) sum += dy[n * this.constants.outF + o] * w[o * this.constants.inF + k];
  return sum;
}

/** dw = dyᵀ x: thread (o, k). */
function linearWeightGradKernel(this: K, dy: Float32Array, x: Float32Array): number {
  const i = this.thread.x;
  const o = Math.floor((i + 0.5) / this.constants.inF);
  const k = i - o * this.constants.inF;
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) sum += dy[n * this.constants.outF + o] * x[n * this.constants.inF + k];
  return sum;
}

/** db = column sums of dy: thread o. */
function linearBiasGradKernel(this: K, dy: Float32Array): number {
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) sum += dy[n * this.constants.outF + this.thread.x];
  return sum;
}

function sgdKernel(this: K, p: Float32Array, g: Float32Array, lr: number): number {
  return p[this.thread.x] - lr * g[this.thread.x];
}

export async function matmul(rt: KernelContext, A: Tensor, B: Tensor): Promise<Tensor> {
  const [m, k, n] = checkMatmul(A, B);
  return rt.tensor([m, n], { key: `matmul ${m} ${k} ${n}`, source: matmulKernel, outputLength: m * n, constants: { k, n }, loopIterations: k }, [rt.arg(A), rt.arg(B)]);
}

export async function linear(rt: KernelContext, x: Tensor, weight: Tensor, bias: Tensor | null): Promise<Tensor> {
  checkLinear('linear', x, weight, bias);
  const [batch, inF] = x.shape;
  const outF = weight.shape[0];
  const b = bias === null ? new Float32Array(outF) : rt.arg(bias);
  const spec = { key: `linear ${batch} ${inF} ${outF}`, source: linearKernel, outputLength: batch * outF, constants: { inF, outF }, loopIterations: inF };
  return rt.tensor([batch, outF], spec, [rt.arg(x), rt.arg(weight), b]);
}

export async function linearBackward(rt: KernelContext, dy: Tensor, x: Tensor, weight: Tensor): Promise<LinearGradients> {
  checkLinearBackward(dy, x, weight);
  const [batch, inF] = x.shape;
  const outF = weight.shape[0];
  const constants = { batch, inF, outF };
  const key = `${batch} ${inF} ${outF}`;
  const dyArg = rt.arg(dy);
  const [dx, dw, db] = await Promise.all([
    rt.tensor([batch, inF], { key: `linear.dx ${key}`, source: linearInputGradKernel, outputLength: batch * inF, constants, loopIterations: outF }, [dyArg, rt.arg(weight)]),
    rt.tensor([outF, inF], { key: `linear.dw ${key}`, source: linearWeightGradKernel, outputLength: outF * inF, constants, loopIterations: batch }, [dyArg, rt.arg(x)]),
    rt.tensor([outF], { key: `linear.db ${key}`, source: linearBiasGradKernel, outputLength: outF, constants, loopIterations: batch }, [dyArg]),
  ]);
  return { dx, dw, db };
}

/**
 * In place, like the reference: the updated values are written back into each parameter; a
 * parameter resident on this backend moves to the texture holding its new values.
 */
export async function sgd(rt: KernelContext, params: readonly Tensor[], grads: readonly Tensor[], lr: number): Promise<void> {
  checkSgd(params, grads, lr);
  params.forEach((p, i) => {
    if (!rt.resident(p)) assertHostTensor('sgd', `params[${i}]`, p);
  });
  await Promise.all(
    params.map(async (p, i) => {
      const spec: KernelSpec = { key: `sgd ${sizeOf(p.shape)}`, source: sgdKernel, outputLength: sizeOf(p.shape), constants: {}, loopIterations: 0 };
      const args = [rt.arg(p), rt.arg(grads[i]), lr];
      const resident = rt.resident(p);
      if (resident) resident.replace(await rt.rt.runToTexture(spec, args));
      else if (!isResident(p)) p.data.set(await rt.run(spec, args));
    }),
  );
}
