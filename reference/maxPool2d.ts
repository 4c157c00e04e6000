import { assertGradientShape, MAX_POOL2D_OPTIONS, resolvePool2d, type MaxPool2dOptions, type Pool2dGeometry } from './shape.ts';
import { assertTensor, zeros, type Tensor } from './tensor.ts';

export type { MaxPool2dOptions } from './shape.ts';

/**
 * Index into x (flat) of the element each output window selects, or -1 for a window that sees only
 * padding. The winner is the first maximum in row-major order; a NaN wins over any number and a
 * later NaN over an earlier one (PyTorch's CPU rule `val > max || isnan(val)`), so NaN propagates.
 */
function selectWinners(x: Tensor, g: Pool2dGeometry): Int32Array {
  const winners = new Int32Array(g.batch * g.channels * g.outH * g.outW);
  let out = 0;
  for (let plane = 0; plane < g.batch * g.channels; plane++) {
    const planeStart = plane * g.inH * g.inW;
    for (let i = 0; i < g.outH; i++) {
      for (let j = 0; j < g.outW; j++) {
        let best = -Infinity;
        let winner = -1;
        for (let a = 0; a < g.kernelH; a++) {
          const row = i * g.strideH - g.padTop + a * g.dilationH;
          if (row < 0 || row >= g.inH) continue;
          for (let b = 0; b < g.kernelW; b++) {
            const col = j * g.strideW - g.padLeft + b * g.dilationW;
            if (col < 0 || col >= g.inW) continue;
            const index = planeStart + row * g.inW + col;
            const value = x.data[index];
            // The first real cell always replaces the -Infinity padding, even when it is -Infinity itself.
            if (winner === -1 || value > best || Number.isNaN(value)) {
              best = value;
              winner = index;
            }
          }
        }
        winners[out++] = winner;
      }
    }
  }
  return winners;
}

/** Validates a maxPool2dBackward call: the forward's checks, then dy against the forward's output shape. */
export function checkMaxPool2dBackward(dy: Tensor, x: Tensor, options: MaxPool2dOptions): Pool2dGeometry {
  const g = checkMaxPool2d('maxPool2dBackward', x, options);
  assertTensor('maxPool2dBackward', 'dy', dy, 4, '[N, C, outH, outW]');
  assertGradientShape('maxPool2dBackward', dy.shape, [g.batch, g.channels, g.outH, g.outW]);
  return g;
}

/** Validates the input and options; shared with every kernel backend. */
export function checkMaxPool2d(op: string, x: Tensor, options: MaxPool2dOptions): Pool2dGeometry {
  assertTensor(op, 'x', x, 4, '[N, C, H, W]');
  return resolvePool2d(op, x.shape, options, MAX_POOL2D_OPTIONS);
}

/**
 * Max pooling per channel, as PyTorch's `nn.MaxPool2d`: each output is the largest input in its
 * window; padding counts as -Infinity (a window of padding alone, possible only with dilation,
 * gives -Infinity). NaN propagates.
 *
 * @param x - `[N, C, H, W]`
 * @returns `[N, C, outH, outW]` in float64
 */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  const g = checkMaxPool2d('maxPool2d', x, options);
  const winners = selectWinners(x, g);
  const y = zeros([g.batch, g.channels, g.outH, g.outW]);
  for (let k = 0; k < winners.length; k++) y.data[k] = winners[k] === -1 ? -Infinity : x.data[winners[k]];
  return y;
}

/**
 * Backward pass of {@link maxPool2d}: each output's gradient goes to the one input its window
 * selected (the first maximum in row-major order, as PyTorch); overlapping windows add up.
 */
export function maxPool2dBackward(dy: Tensor, x: Tensor, options: MaxPool2dOptions): { readonly dx: Tensor } {
  const g = checkMaxPool2dBackward(dy, x, options);
  const winners = selectWinners(x, g);
  const dx = zeros(x.shape);
  for (let k = 0; k < winners.length; k++) if (winners[k] !== -1) dx.data[winners[k]] += dy.data[k];
  return { dx };
}
