/**
 * maxPool2d and avgPool2d, forward and backward, as gpu.js kernels (one thread per output element).
 * Same rules as the reference: the first maximum of a window wins, padding never does; average
 * windows are clipped to the padded input, then to the input, and divided by the first or second size.
 */
import { sizeOf, type AvgPool2dOptions, type MaxPool2dOptions, type Pool2dGeometry, type Tensor } from '../../reference/index.ts';
import { checkAvgPool2d, checkAvgPool2dBackward } from '../../reference/avgPool2d.ts';
import { checkMaxPool2d, checkMaxPool2dBackward } from '../../reference/maxPool2d.ts';
import type { KernelContext } from './context.ts';
import type { KernelSpec } from './runtime.ts';
import { geometryKey } from './tensors.ts';

/** `this` inside a gpu.js kernel; constants must be read as `this.constants.name`. */
type K = { thread: { x: number }; constants: Record<string, number> };

/** `empty` is -Infinity, passed in: gpu.js writes the literal Infinity into GLSL as 3.4e38, the largest float. */
function maxPoolForwardKernel(this: K, x: Float32Array, empty: number): number {
  const i = this.thread.x;
  const q1 = Math.floor((i + 0.5) / this.constants.outW);
  const ow = i - q1 * this.constants.outW;
  const plane = Math.floor((q1 + 0.5) / this.constants.outH);
  const oh = q1 - plane * this.constants.outH;
  let best = 0;
  let found = 0;
  for (let a = 0; a < this.constants.kh; a++) {
    const row = oh * this.constants.sh - this.constants.padTop + a * this.constants.dh;
    if (row >= 0 && row < this.constants.inH) {
      for (let b = 0; b < this.constants.kw; b++) {
        const col = ow * this.constants.sw - this.constants.padLeft + b * this.constants.dw;
        if (col >= 0 && col < this.constants.inW) {
          const v = x[(plane * this.constants.inH + row) * this.constants.inW + col];
          // NaN wins over any number, a later NaN over an earlier one (PyTorch's CPU rule). NaN fails
          // both comparisons below; a self-comparison v != v could be folded away by a GLSL compiler.
          if (found === 0 || v > best || (!(v < 1e38) && !(v >= 1e38))) {
            best = v;
            found = 1;
          }
        }
      }
    }
  }
  if (found === 0) return empty; // a window over padding only (dilation can do that)
  return best;
}

/** dx: for each window that contains this cell, add its dy if this cell is that window's first maximum. */
function maxPoolBackwardKernel(this: K, dy: Float32Array, x: Float32Array): number {
  const i = this.thread.x;
  const q1 = Math.floor((i + 0.5) / this.constants.inW);
  const iw = i - q1 * this.constants.inW;
  const plane = Math.floor((q1 + 0.5) / this.constants.inH);
  const ih = q1 - plane * this.constants.inH;
  let sum = 0;
  for (let a = 0; a < this.constants.kh; a++) {
    const t = ih + this.constants.padTop - a * this.constants.dh;
    const oh = Math.floor((t + 0.5) / this.constants.sh);
    if (t >= 0 && oh * this.constants.sh === t && oh < this.constants.outH) {
      for (let b = 0; b < this.constants.kw; b++) {
        const u = iw + this.constants.padLeft - b * this.constants.dw;
        const ow = Math.floor((u + 0.5) / this.constants.sw);
        if (u >= 0 && ow * this.constants.sw === u && ow < this.constants.outW) {
          // Recompute the window's winner (row-major first maximum) and compare positions.
          let best = 0;
          let bestRow = -1;
          let bestCol = -1;
          for (let a2 = 0; a2 < this.constants.kh; a2++) {
            const row = oh * this.constants.sh - this.constants.padTop + a2 * this.constants.dh;
            if (row >= 0 && row < this.constants.inH) {
              for (let b2 = 0; b2 < this.constants.kw; b2++) {
                const col = ow * this.constants.sw - this.constants.padLeft + b2 * this.constants.dw;
                if (col >= 0 && col < this.constants.inW) {
                  const v = x[(plane * this.constants.inH + row) * this.constants.inW + col];
                  if (bestRow < 0 || v > best || (!(v < 1e38) && !(v >= 1e38))) {
                    best = v;
                    bestRow = row;
                    bestCol = col;
                  }
                }
              }
            }
          }
          if (bestRow === ih && bestCol === iw) {
            sum += dy[(plane * this.constants.outH + oh) * this.constants.outW + ow];
          }
        }
      }
    }
  }
  return sum;
}

function avgPoolForwardKernel(this: K, x: Float32Array): number {
  const i = this.thread.x;
  const q1 = Math.floor((i + 0.5) / this.constants.outW);
  const ow = i - q1 * this.constants.outW;
  const plane = Math.floor((q1 + 0.5) / this.constants.outH);
  const oh = q1 - plane * this.constants.outH;
  const top = oh * this.constants.sh - this.constants.padTop;
  const left = ow * this.constants.sw - this.constants.padLeft;
  const bottom = Math.min(top + this.constants.kh, this.constants.inH + this.constants.padBottom);
  const right = Math.min(left + this.constants.kw, this.constants.inW + this.constants.padRight);
  const r0 = Math.max(top, 0);
  const c0 = Math.max(left, 0);
  const r1 = Math.min(bottom, this.constants.inH);
  const c1 = Math.min(right, this.constants.inW);
  let sum = 0;
  for (let a = 0; a < this.constants.kh; a++) {
    const row = top + a;
    if (row >= r0 && row < r1) {
      for (let b = 0; b < this.constants.kw; b++) {
        const col = left + b;
        if (col >= c0 && col < c1) {
          sum += x[(plane * this.constants.inH + row) * this.constants.inW + col];
        }
      }
    }
  }
  let divisor = (r1 - r0) * (c1 - c0);
  if (this.constants.countIncludePad > 0) divisor = (bottom - top) * (right - left);
  return sum / divisor;
}

function avgPoolBackwardKernel(this: K, dy: Float32Array): number {
  const i = this.thread.x;
  const q1 = Math.floor((i + 0.5) / this.constants.inW);
  const iw = i - q1 * this.constants.inW;
  const plane = Math.floor((q1 + 0.5) / this.constants.inH);
  const ih = q1 - plane * this.constants.inH;
  let sum = 0;
  for (let a = 0; a < this.constants.kh; a++) {
    const t = ih + this.constants.padTop - a;
    const oh = Math.floor((t + 0.5) / this.constants.sh);
    if (t >= 0 && oh * this.constants.sh === t && oh < this.constants.outH) {
      for (let b = 0; b < this.constants.kw; b++) {
        const u = iw + this.constants.padLeft - b;
        const ow = Math.floor((u + 0.5) / this.constants.sw);
        if (u >= 0 && ow * this.constants.sw === u && ow < this.constants.outW) {
          const top = oh * this.constants.sh - this.constants.padTop;
          const left = ow * this.constants.sw - this.constants.padLeft;
          const bottom = Math.min(top + this.constants.kh, this.constants.inH + this.constants.padBottom);
          const right = Math.min(left + this.constants.kw, this.constants.inW + this.constants.padRight);
          // This cell lies in [top, bottom) x [left, right) by construction: no bounds test needed.
          let divisor = (Math.min(bottom, this.constants.inH) - Math.max(top, 0)) * (Math.min(right, this.constants.inW) - Math.max(left, 0));
          if (this.constants.countIncludePad > 0) divisor = (bottom - top) * (right - left);
          sum += dy[(plane * this.constants.outH + oh) * this.constants.outW + ow] / divisor;
        }
      }
    }
  }
  return sum;
}

function constantsOf(g: Pool2dGeometry, countIncludePad: boolean): Record<string, number> {
  return {
    inH: g.inH, inW: g.inW, outH: g.outH, outW: g.outW, kh: g.kernelH, kw: g.kernelW, sh: g.strideH, sw: g.strideW,
    dh: g.dilationH, dw: g.dilationW, padTop: g.padTop, padBottom: g.padBottom, padLeft: g.padLeft, padRight: g.padRight,
    countIncludePad: countIncludePad ? 1 : 0,
  };
}

function spec(name: string, source: KernelSpec['source'], outputLength: number, g: Pool2dGeometry, countIncludePad = false): KernelSpec {
  // The backward of max pooling rescans each window it visits: (kh·kw)² at most.
  return { key: `${name} ${geometryKey(g)} ${countIncludePad}`, source, outputLength, constants: constantsOf(g, countIncludePad), loopIterations: (g.kernelH * g.kernelW) ** 2 };
}

export async function maxPool2d(rt: KernelContext, x: Tensor, options: MaxPool2dOptions): Promise<Tensor> {
  const g = checkMaxPool2d('maxPool2d', x, options);
  const shape = [g.batch, g.channels, g.outH, g.outW];
  return rt.tensor(shape, spec('maxPool2d', maxPoolForwardKernel, sizeOf(shape), g), [rt.arg(x), -Infinity]);
}

export async function maxPool2dBackward(rt: KernelContext, dy: Tensor, x: Tensor, options: MaxPool2dOptions): Promise<{ dx: Tensor }> {
  const g = checkMaxPool2dBackward(dy, x, options);
  return { dx: await rt.tensor(x.shape, spec('maxPool2d.dx', maxPoolBackwardKernel, sizeOf(x.shape), g), [rt.arg(dy), rt.arg(x)]) };
}

export async function avgPool2d(rt: KernelContext, x: Tensor, options: AvgPool2dOptions): Promise<Tensor> {
  const g = checkAvgPool2d('avgPool2d', x, options);
  const shape = [g.batch, g.channels, g.outH, g.outW];
  const include = options.countIncludePad ?? true;
  return rt.tensor(shape, spec('avgPool2d', avgPoolForwardKernel, sizeOf(shape), g, include), [rt.arg(x)]);
}

export async function avgPool2dBackward(rt: KernelContext, dy: Tensor, x: Tensor, options: AvgPool2dOptions): Promise<{ dx: Tensor }> {
  const g = checkAvgPool2dBackward(dy, x, options);
  const include = options.countIncludePad ?? true;
  return { dx: await rt.tensor(x.shape, spec('avgPool2d.dx', avgPoolBackwardKernel, sizeOf(x.shape), g, include), [rt.arg(dy)]) };
}
