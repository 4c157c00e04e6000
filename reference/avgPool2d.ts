import { assertGradientShape, AVG_POOL2D_OPTIONS, resolvePool2d, type AvgPool2dOptions, type Pool2dGeometry } from './shape.ts';
import { assertTensor, zeros, type Tensor } from './tensor.ts';

export type { AvgPool2dOptions } from './shape.ts';

/** One output window: the real input rows/columns it covers and what it divides by. */
interface AvgWindow {
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly colStart: number;
  readonly colEnd: number;
  readonly divisor: number;
}

/**
 * PyTorch's window rule: the window is first clipped to the padded input (a ceil-mode window may
 * hang past the trailing padding, and that overhang is never counted), then to the real input.
 * `countIncludePad` divides by the first size, otherwise by the second.
 */
function windowAt(g: Pool2dGeometry, i: number, j: number, countIncludePad: boolean): AvgWindow {
  const top = i * g.strideH - g.padTop;
  const left = j * g.strideW - g.padLeft;
  const bottom = Math.min(top + g.kernelH, g.inH + g.padBottom);
  const right = Math.min(left + g.kernelW, g.inW + g.padRight);
  const paddedCount = (bottom - top) * (right - left);
  const rowStart = Math.max(top, 0);
  const colStart = Math.max(left, 0);
  const rowEnd = Math.min(bottom, g.inH);
  const colEnd = Math.min(right, g.inW);
  const realCount = (rowEnd - rowStart) * (colEnd - colStart);
  return { rowStart, rowEnd, colStart, colEnd, divisor: countIncludePad ? paddedCount : realCount };
}

/** Validates a avgPool2dBackward call: the forward's checks, then dy against the forward's output shape. */
export function checkAvgPool2dBackward(dy: Tensor, x: Tensor, options: AvgPool2dOptions): Pool2dGeometry {
  const g = checkAvgPool2d('avgPool2dBackward', x, options);
  assertTensor('avgPool2dBackward', 'dy', dy, 4, '[N, C, outH, outW]');
  assertGradientShape('avgPool2dBackward', dy.shape, [g.batch, g.channels, g.outH, g.outW]);
  return g;
}

/** Validates the input and options; shared with every kernel backend. */
export function checkAvgPool2d(op: string, x: Tensor, options: AvgPool2dOptions): Pool2dGeometry {
  assertTensor(op, 'x', x, 4, '[N, C, H, W]');
  return resolvePool2d(op, x.shape, options, AVG_POOL2D_OPTIONS);
}

/**
 * Average pooling per channel, as PyTorch's `nn.AvgPool2d`: each output is the mean of its window.
 * Padding cells are zeros and, with `countIncludePad` (the default), count in the divisor.
 *
 * @param x - `[N, C, H, W]`
 * @returns `[N, C, outH, outW]` in float64
 */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  const g = checkAvgPool2d('avgPool2d', x, options);
  const countIncludePad = options.countIncludePad ?? true;
  const y = zeros([g.batch, g.channels, g.outH, g.outW]);
  for (let plane = 0; plane < g.batch * g.channels; plane++) {
    const planeStart = plane * g.inH * g.inW;
    for (let i = 0; i < g.outH; i++) {
      for (let j = 0; j < g.outW; j++) {
        const w = windowAt(g, i, j, countIncludePad);
        let sum = 0;
        for (let row = w.rowStart; row < w.rowEnd; row++) {
          for (let col = w.colStart; col < w.colEnd; col++) sum += x.data[planeStart + row * g.inW + col];
        }
        y.data[(plane * g.outH + i) * g.outW + j] = sum / w.divisor;
      }
    }
  }
  return y;
}

/** Backward pass of {@link avgPool2d}: each output's gradient, divided by its divisor, goes to every
 * real input cell of its window. */
export function avgPool2dBackward(dy: Tensor, x: Tensor, options: AvgPool2dOptions): { readonly dx: Tensor } {
  const g = checkAvgPool2dBackward(dy, x, options);
  const countIncludePad = options.countIncludePad ?? true;
  const dx = zeros(x.shape);
  for (let plane = 0; plane < g.batch * g.channels; plane++) {
    const planeStart = plane * g.inH * g.inW;
    for (let i = 0; i < g.outH; i++) {
      for (let j = 0; j < g.outW; j++) {
        const w = windowAt(g, i, j, countIncludePad);
        const share = dy.data[(plane * g.outH + i) * g.outW + j] / w.divisor;
        for (let row = w.rowStart; row < w.rowEnd; row++) {
          for (let col = w.colStart; col < w.colEnd; col++) dx.data[planeStart + row * g.inW + col] += share;
        }
      }
    }
  }
  return { dx };
}
