import { assertGradientShape, resolveConv2d, type Conv2dGeometry, type Conv2dOptions } from './shape.ts';
import { OperatorInputError } from './errors.ts';
import { assertTensor, zeros, type Tensor } from './tensor.ts';

export type { Conv2dOptions } from './shape.ts';

/** Gradients of conv2d with respect to each of its inputs. */
export interface Conv2dGradients {
  /**
   * dLoss/dx, shaped like x `[N, Cin, H, W]`; `null` when the call asked for none (`inputGradient:
   * false`) and the backend honoured that (one may compute it anyway).
   */
  readonly dx: Tensor | null;
  /** dLoss/dweight, shaped like the weight `[Cout, Cin/groups, kh, kw]`. */
  readonly dw: Tensor;
  /** dLoss/dbias `[Cout]` (the sum of dy over N, H, W); returned even when the forward had no bias. */
  readonly db: Tensor;
}

/** Validates tensors and options; shared by the forward and backward passes and by every kernel backend. */
export function checkConv2d(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions): Conv2dGeometry {
  assertTensor(op, 'x', x, 4, '[N, Cin, H, W]');
  assertTensor(op, 'weight', weight, 4, '[Cout, Cin/groups, kh, kw]');
  if (bias !== null) assertTensor(op, 'bias', bias, 1, '[Cout]');
  return resolveConv2d(op, x.shape, weight.shape, bias === null ? null : bias.shape, options);
}

/**
 * The options of conv2dBackward: the forward's, and which gradients the caller needs (PyTorch's
 * `convolution_backward` output_mask). dw and db are always computed.
 */
export interface Conv2dBackwardOptions extends Conv2dOptions {
  /**
   * Whether to compute dx. `false` for a network's first layer, whose input (the images) needs no
   * gradient: PyTorch skips it there too, and it is half a convolution's backward work. A backend
   * may compute it anyway; it is then judged like any dx. Default `true`.
   */
  readonly inputGradient?: boolean;
}

/**
 * Validates a conv2dBackward call: the forward's checks, then dy against the forward's output shape;
 * the geometry and whether dx is wanted.
 */
export function checkConv2dBackward(dy: Tensor, x: Tensor, weight: Tensor, options: Conv2dBackwardOptions): Conv2dGeometry & { readonly inputGradient: boolean } {
  const isObject = typeof options === 'object' && options !== null; // anything else: the forward's check says what is wrong
  const { inputGradient = true, ...forward } = isObject ? options : {};
  if (typeof inputGradient !== 'boolean') {
    throw new OperatorInputError('conv2dBackward', `inputGradient must be true or false; got ${String(inputGradient)}. Fix: false skips dx (a first layer), true or absent computes it.`);
  }
  const g = checkConv2d('conv2dBackward', x, weight, null, isObject ? forward : options);
  assertTensor('conv2dBackward', 'dy', dy, 4, '[N, Cout, outH, outW]');
  assertGradientShape('conv2dBackward', dy.shape, [g.batch, g.outChannels, g.outH, g.outW]);
  return Object.assign(g, { inputGradient }); // g is this call's own; a spread of it costs about 20 µs in Node 20 (see resolveConv2d)
}

/**
 * 2-D cross-correlation of a batch, as PyTorch's `nn.Conv2d` computes it (deep learning's
 * "convolution"): `y[n, co, i, j] = bias[co] + sum over the group's input channels ci and taps (a, b) of
 * x[n, ci, i*sh - padTop + a*dh, j*sw - padLeft + b*dw] * weight[co, ci, a, b]`, reading zeros outside x.
 *
 * @param x - input `[N, Cin, H, W]`
 * @param weight - `[Cout, Cin/groups, kh, kw]`
 * @param bias - `[Cout]`, or `null`
 * @returns `[N, Cout, outH, outW]` in float64
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2d('conv2d', x, weight, bias, options);
  // Plain locals for every bound and stride: V8 keeps such loops fast whatever shapes came before.
  const { batch, inChannels, inH, inW, outChannels, outH, outW, kernelH, kernelW, strideH, strideW } = g;
  const { padTop, padLeft, dilationH, dilationW, inChannelsPerGroup, outChannelsPerGroup } = g;
  const y = zeros([batch, outChannels, outH, outW]);
  for (let n = 0; n < batch; n++) {
    for (let co = 0; co < outChannels; co++) {
      const firstInChannel = Math.floor(co / outChannelsPerGroup) * inChannelsPerGroup;
      for (let i = 0; i < outH; i++) {
        for (let j = 0; j < outW; j++) {
          let sum = bias === null ? 0 : bias.data[co];
          for (let c = 0; c < inChannelsPerGroup; c++) {
            for (let a = 0; a < kernelH; a++) {
              const row = i * strideH - padTop + a * dilationH;
              if (row < 0 || row >= inH) continue;
              for (let b = 0; b < kernelW; b++) {
                const col = j * strideW - padLeft + b * dilationW;
                if (col < 0 || col >= inW) continue;
                const xv = x.data[((n * inChannels + firstInChannel + c) * inH + row) * inW + col];
                const wv = weight.data[((co * inChannelsPerGroup + c) * kernelH + a) * kernelW + b];
                sum += xv * wv;
              }
            }
          }
          y.data[((n * outChannels + co) * outH + i) * outW + j] = sum;
        }
      }
    }
  }
  return y;
}

/**
 * Backward pass of {@link conv2d}: given dLoss/dy, every input's gradient. Each forward product
 * `x[...] * weight[...]` sends `dy * weight` to dx and `dy * x` to dw; dy itself goes to db.
 *
 * @param dy - upstream gradient `[N, Cout, outH, outW]`
 * @param x - the forward input
 * @param weight - the forward weight
 * @param options - the forward options, and `inputGradient: false` to skip dx (returned as null)
 */
export function conv2dBackward(dy: Tensor, x: Tensor, weight: Tensor, options: Conv2dBackwardOptions = {}): Conv2dGradients {
  const g = checkConv2dBackward(dy, x, weight, options);
  const { batch, inChannels, inH, inW, outChannels, outH, outW, kernelH, kernelW, strideH, strideW } = g;
  const { padTop, padLeft, dilationH, dilationW, inChannelsPerGroup, outChannelsPerGroup } = g;
  const dx = g.inputGradient ? zeros(x.shape) : null;
  const dw = zeros(weight.shape);
  const db = zeros([outChannels]);
  for (let n = 0; n < batch; n++) {
    for (let co = 0; co < outChannels; co++) {
      const firstInChannel = Math.floor(co / outChannelsPerGroup) * inChannelsPerGroup;
      for (let i = 0; i < outH; i++) {
        for (let j = 0; j < outW; j++) {
          const grad = dy.data[((n * outChannels + co) * outH + i) * outW + j];
          db.data[co] += grad;
          for (let c = 0; c < inChannelsPerGroup; c++) {
            for (let a = 0; a < kernelH; a++) {
              const row = i * strideH - padTop + a * dilationH;
              if (row < 0 || row >= inH) continue;
              for (let b = 0; b < kernelW; b++) {
                const col = j * strideW - padLeft + b * dilationW;
                if (col < 0 || col >= inW) continue;
                const xIndex = ((n * inChannels + firstInChannel + c) * inH + row) * inW + col;
                const wIndex = ((co * inChannelsPerGroup + c) * kernelH + a) * kernelW + b;
                if (dx) dx.data[xIndex] += grad * weight.data[wIndex];
                dw.data[wIndex] += grad * x.data[xIndex];
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw, db };
}
