/**
 * conv2d forward and its three gradients as gpu.js kernels, one thread per output element.
 * Every shape and option is a compiled-in constant; indices are decomposed with
 * `floor((i + 0.5) / n)`, which stays exact in float32 index arithmetic (GL, webasm) where
 * `floor(i / n)` can land just below an integer.
 */
import { sizeOf, type Conv2dBackwardOptions, type Conv2dGeometry, type Conv2dOptions, type Conv2dGradients, type Tensor } from '../../reference/index.ts';
import { checkConv2d, checkConv2dBackward } from '../../reference/conv2d.ts';
import type { KernelContext } from './context.ts';
import type { KernelArg, KernelSpec } from './runtime.ts';
import { geometryKey } from './tensors.ts';

/** `this` inside a gpu.js kernel. gpu.js parses the source: constants must be read as `this.constants.name`. */
type K = { thread: { x: number }; constants: Record<string, number> };

function conv2dForwardKernel(this: K, x: Float32Array, w: Float32Array, bias: Float32Array): number {
  const i = this.thread.x;
  const q1 = Math.floor((i + 0.5) / this.constants.outW);
  const ow = i - q1 * this.constants.outW;
  const q2 = Math.floor((q1 + 0.5) / this.constants.outH);
  const oh = q1 - q2 * this.constants.outH;
  const n = Math.floor((q2 + 0.5) / this.constants.cout);
  const co = q2 - n * this.constants.cout;
  const c0 = Math.floor((co + 0.5) / this.constants.coutPG) * this.constants.cinPG;
  let sum = bias[co];
  for (let ci = 0; ci < this.constants.cinPG; ci++) {
    for (let a = 0; a < this.constants.kh; a++) {
      const row = oh * this.constants.sh - this.constants.padTop + a * this.constants.dh;
      if (row >= 0 && row < this.constants.inH) {
        for (let b = 0; b < this.constants.kw; b++) {
          const col = ow * this.constants.sw - this.constants.padLeft + b * this.constants.dw;
          if (col >= 0 && col < this.constants.inW) {
            sum += x[((n * this.constants.cin + c0 + ci) * this.constants.inH + row) * this.constants.inW + col] * w[((co * this.constants.cinPG + ci) * this.constants.kh + a) * this.constants.kw + b];
          }
        }
      }
    }
  }
  return sum;
}

/** dx: each input element gathers every (output, tap) pair that read it. */
function conv2dInputGradKernel(this: K, dy: Float32Array, w: Float32Array): number {
  const i = this.thread.x;
  const q1 = Math.floor((i + 0.5) / this.constants.inW);
  const iw = i - q1 * this.constants.inW;
  const q2 = Math.floor((q1 + 0.5) / this.constants.inH);
  const ih = q1 - q2 * this.constants.inH;
  const n = Math.floor((q2 + 0.5) / this.constants.cin);
  const ci = q2 - n * this.constants.cin;
  const group = Math.floor((ci + 0.5) / this.constants.cinPG);
  const cl = ci - group * this.constants.cinPG;
  let sum = 0;
  for (let o = 0; o < this.constants.coutPG; o++) {
    const co = group * this.constants.coutPG + o;
    for (let a = 0; a < this.constants.kh; a++) {
      const t = ih + this.constants.padTop - a * this.constants.dh;
      const oh = Math.floor((t + 0.5) / this.constants.sh);
      if (t >= 0 && oh * this.constants.sh === t && oh < this.constants.outH) {
        for (let b = 0; b < this.constants.kw; b++) {
          const u = iw + this.constants.padLeft - b * this.constants.dw;
          const ow = Math.floor((u + 0.5) / this.constants.sw);
          if (u >= 0 && ow * this.constants.sw === u && ow < this.constants.outW) {
            sum += dy[((n * this.constants.cout + co) * this.constants.outH + oh) * this.constants.outW + ow] * w[((co * this.constants.cinPG + cl) * this.constants.kh + a) * this.constants.kw + b];
          }
        }
      }
    }
  }
  return sum;
}

/**
 * A shader loop must stay short: Mesa's llvmpipe (headlessgl here) silently ends any loop of one
 * invocation after 65,535 iterations (LP_MAX_TGSI_LOOP_ITERATIONS), and GPU drivers have watchdogs.
 * The weight and bias gradients sum over every output row (n, oh) of the batch, 65,856 positions
 * for LeNet's conv1 at batch 84, so they are summed in chunks of rows of at most LOOP_BUDGET
 * iterations each, one thread per (chunk, gradient element), and the chunks by a second kernel.
 */
const LOOP_BUDGET = 2 ** 15; // half of MAX_SHADER_LOOP_ITERATIONS (the runtime refuses longer loops)

/** Rows (n, oh) per chunk, and chunks, for a reduction over the batch's output rows. */
function chunking(g: Conv2dGeometry): { rowsPerChunk: number; chunks: number } {
  const rows = g.batch * g.outH;
  const rowsPerChunk = Math.max(1, Math.floor(LOOP_BUDGET / (g.outW + 1)));
  return { rowsPerChunk, chunks: Math.ceil(rows / rowsPerChunk) };
}

/** dw, chunk by chunk: thread (c, i) sums dy * x for weight i over the rows of chunk c. */
function conv2dWeightGradChunkKernel(this: K, dy: Float32Array, x: Float32Array): number {
  const c = Math.floor((this.thread.x + 0.5) / this.constants.weights);
  const i = this.thread.x - c * this.constants.weights;
  const q1 = Math.floor((i + 0.5) / this.constants.kw);
  const b = i - q1 * this.constants.kw;
  const q2 = Math.floor((q1 + 0.5) / this.constants.kh);
  const a = q1 - q2 * this.constants.kh;
  const co = Math.floor((q2 + 0.5) / this.constants.cinPG);
  const cl = q2 - co * this.constants.cinPG;
  const ci = Math.floor((co + 0.5) / this.constants.coutPG) * this.constants.cinPG + cl;
  let sum = 0;
  for (let k = 0; k < this.constants.rowsPerChunk; k++) {
    const r = c * this.constants.rowsPerChunk + k;
    const n = Math.floor((r + 0.5) / this.constants.outH);
    const oh = r - n * this.constants.outH;
    const row = oh * this.constants.sh - this.constants.padTop + a * this.constants.dh;
    if (r < this.constants.rows && row >= 0 && row < this.constants.inH) {
      for (let ow = 0; ow < this.constants.outW; ow++) {
        const col = ow * this.constants.sw - this.constants.padLeft + b * this.constants.dw;
        if (col >= 0 && col < this.constants.inW) {
          sum += dy[((n * this.constants.cout + co) * this.constants.outH + oh) * this.constants.outW + ow] * x[((n * this.constants.cin + ci) * this.constants.inH + row) * this.constants.inW + col];
        }
      }
    }
  }
  return sum;
}

/** db, chunk by chunk: thread (c, co) sums dy of channel co over the rows of chunk c. */
function conv2dBiasGradChunkKernel(this: K, dy: Float32Array): number {
  const c = Math.floor((this.thread.x + 0.5) / this.constants.cout);
  const co = this.thread.x - c * this.constants.cout;
  let sum = 0;
  for (let k = 0; k < this.constants.rowsPerChunk; k++) {
    const r = c * this.constants.rowsPerChunk + k;
    const n = Math.floor((r + 0.5) / this.constants.outH);
    const oh = r - n * this.constants.outH;
    if (r < this.constants.rows) {
      for (let ow = 0; ow < this.constants.outW; ow++) {
        sum += dy[((n * this.constants.cout + co) * this.constants.outH + oh) * this.constants.outW + ow];
      }
    }
  }
  return sum;
}

/** Element i summed over the chunks of a [chunks, size] array of partial sums, in chunk order. */
function sumChunksKernel(this: K, partial: Float32Array): number {
  let sum = 0;
  for (let c = 0; c < this.constants.chunks; c++) sum += partial[c * this.constants.size + this.thread.x];
  return sum;
}

/** A gradient summed over the batch's output rows: chunk partials, then their sum (see LOOP_BUDGET). */
async function chunkedGradient(rt: KernelContext, name: string, source: KernelSpec['source'], shape: readonly number[], g: Conv2dGeometry, args: readonly KernelArg[]): Promise<Tensor> {
  const size = sizeOf(shape);
  const { rowsPerChunk, chunks } = chunking(g);
  const constants = { ...constantsOf(g), weights: size, rows: g.batch * g.outH, rowsPerChunk };
  const partial = await rt.tensor([chunks, size], { key: `${name}.chunks ${geometryKey(g)}`, source, outputLength: chunks * size, constants, loopIterations: rowsPerChunk * (g.outW + 1) }, args);
  return rt.tensor(shape, { key: `${name}.sum ${chunks} ${size}`, source: sumChunksKernel, outputLength: size, constants: { chunks, size }, loopIterations: chunks }, [rt.arg(partial)]);
}

function constantsOf(g: Conv2dGeometry): Record<string, number> {
  return {
    batch: g.batch, cin: g.inChannels, inH: g.inH, inW: g.inW, cout: g.outChannels, outH: g.outH, outW: g.outW,
    outPlane: g.outH * g.outW, cinPG: g.inChannelsPerGroup, coutPG: g.outChannelsPerGroup, kh: g.kernelH, kw: g.kernelW,
    sh: g.strideH, sw: g.strideW, dh: g.dilationH, dw: g.dilationW, padTop: g.padTop, padLeft: g.padLeft,
  };
}

function spec(name: string, source: KernelSpec['source'], outputLength: number, g: Conv2dGeometry, loopIterations: number): KernelSpec {
  return { key: `${name} ${geometryKey(g)}`, source, outputLength, constants: constantsOf(g), loopIterations };
}

export async function conv2d(rt: KernelContext, x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Promise<Tensor> {
  const g = checkConv2d('conv2d', x, weight, bias, options);
  const shape = [g.batch, g.outChannels, g.outH, g.outW];
  const biasData = bias === null ? new Float32Array(g.outChannels) : rt.arg(bias);
  return rt.tensor(shape, spec('conv2d', conv2dForwardKernel, sizeOf(shape), g, g.inChannelsPerGroup * g.kernelH * g.kernelW), [rt.arg(x), rt.arg(weight), biasData]);
}

export async function conv2dBackward(rt: KernelContext, dy: Tensor, x: Tensor, weight: Tensor, options: Conv2dBackwardOptions = {}): Promise<Conv2dGradients> {
  const { inputGradient, ...g } = checkConv2dBackward(dy, x, weight, options);
  const dyArg = rt.arg(dy);
  const [dx, dw, db] = await Promise.all([
    inputGradient ? rt.tensor(x.shape, spec('conv2d.dx', conv2dInputGradKernel, sizeOf(x.shape), g, g.outChannelsPerGroup * g.kernelH * g.kernelW), [dyArg, rt.arg(weight)]) : null,
    chunkedGradient(rt, 'conv2d.dw', conv2dWeightGradChunkKernel, weight.shape, g, [dyArg, rt.arg(x)]),
    chunkedGradient(rt, 'conv2d.db', conv2dBiasGradChunkKernel, [g.outChannels], g, [dyArg]),
  ]);
  return { dx, dw, db };
}
