/**
 * matmul, linear (forward and backward) and sgd as gpu.js kernels, one thread per output element,
 * every inner length a compiled-in constant.
 */
import { assertHostTensor, type LinearGradients, type Tensor } from '../../reference/index';
import { checkLinear, checkLinearBackward } from '../../reference/linear';
import { checkMatmul } from '../../reference/matmul';
import { checkSgd } from '../../reference/sgd';
import type { GpuJsRuntime } from './runtime';
import { asFloat32 } from './tensors';

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

export async function matmul(rt: GpuJsRuntime, A: Tensor, B: Tensor): Promise<Tensor> {
  const [m, k, n] = checkMatmul(A, B);
  const data = await rt.run({ key: `matmul ${m} ${k} ${n}`, source: matmulKernel, outputLength: m * n, constants: { k, n } }, [asFloat32(A), asFloat32(B)]);
  return { shape: [m, n], data };
}

export async function linear(rt: GpuJsRuntime, x: Tensor, weight: Tensor, bias: Tensor | null): Promise<Tensor> {
  checkLinear('linear', x, weight, bias);
  const [batch, inF] = x.shape;
  const outF = weight.shape[0];
  const b = bias === null ? new Float32Array(outF) : asFloat32(bias);
  const data = await rt.run(
    { key: `linear ${batch} ${inF} ${outF}`, source: linearKernel, outputLength: batch * outF, constants: { inF, outF } },
    [asFloat32(x), asFloat32(weight), b],
  );
  return { shape: [batch, outF], data };
}

export async function linearBackward(rt: GpuJsRuntime, dy: Tensor, x: Tensor, weight: Tensor): Promise<LinearGradients> {
  checkLinearBackward(dy, x, weight);
  const [batch, inF] = x.shape;
  const outF = weight.shape[0];
  const constants = { batch, inF, outF };
  const key = `${batch} ${inF} ${outF}`;
  const dy32 = asFloat32(dy);
  const [dx, dw, db] = await Promise.all([
    rt.run({ key: `linear.dx ${key}`, source: linearInputGradKernel, outputLength: batch * inF, constants }, [dy32, asFloat32(weight)]),
    rt.run({ key: `linear.dw ${key}`, source: linearWeightGradKernel, outputLength: outF * inF, constants }, [dy32, asFloat32(x)]),
    rt.run({ key: `linear.db ${key}`, source: linearBiasGradKernel, outputLength: outF, constants }, [dy32]),
  ]);
  return { dx: { shape: [batch, inF], data: dx }, dw: { shape: [outF, inF], data: dw }, db: { shape: [outF], data: db } };
}

/** In place, like the reference: the updated values are written back into each parameter. */
export async function sgd(rt: GpuJsRuntime, params: readonly Tensor[], grads: readonly Tensor[], lr: number): Promise<void> {
  checkSgd(params, grads, lr);
  params.forEach((p, i) => assertHostTensor('sgd', `params[${i}]`, p));
  await Promise.all(
    params.map(async (p, i) => {
      const updated = await rt.run({ key: `sgd ${p.data.length}`, source: sgdKernel, outputLength: p.data.length, constants: {} }, [
        asFloat32(p), asFloat32(grads[i]), lr,
      ]);
      p.data.set(updated);
    }),
  );
}
