import { OperatorInputError } from './errors.ts';
import { resolveConv2d, type Conv2dOptions, type IntPair } from './shape.ts';
import { assertTensor, zeros, type Tensor } from './tensor.ts';

/**
 * im2col for a batch: every window of `x` flattened into a column, so that a convolution with
 * `groups = 1` is one matrix product per image:
 * `conv2d(x, w)[n] = reshape(w, [Cout, Cin*kh*kw]) · im2col(x)[n]`.
 * Padding cells are zeros. Row `(c*kh + a)*kw + b` holds tap (a, b) of channel c; column
 * `i*outW + j` is output position (i, j).
 *
 * @param x - input `[N, Cin, H, W]`
 * @param kernelSize - window size `kh` or `[kh, kw]`
 * @param options - stride, padding and dilation as for {@link conv2d}; `groups` must be 1 (default)
 * @returns `[N, Cin*kh*kw, outH*outW]`
 */
export function im2col(x: Tensor, kernelSize: IntPair, options: Conv2dOptions = {}): Tensor {
  assertTensor('im2col', 'x', x, 4, '[N, Cin, H, W]');
  const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
  if ((options.groups ?? 1) !== 1) throw new OperatorInputError('im2col', `groups must be 1; got ${options.groups}. Fix: slice the channels and call it per group.`);
  const g = resolveConv2d('im2col', x.shape, [1, x.shape[1], kh, kw], null, options);
  const rows = g.inChannels * kh * kw;
  const cols = g.outH * g.outW;
  const out = zeros([g.batch, rows, cols]);
  for (let n = 0; n < g.batch; n++) {
    for (let c = 0; c < g.inChannels; c++) {
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const row = (c * kh + a) * kw + b;
          for (let i = 0; i < g.outH; i++) {
            const ih = i * g.strideH - g.padTop + a * g.dilationH;
            if (ih < 0 || ih >= g.inH) continue;
            for (let j = 0; j < g.outW; j++) {
              const iw = j * g.strideW - g.padLeft + b * g.dilationW;
              if (iw < 0 || iw >= g.inW) continue;
              out.data[(n * rows + row) * cols + i * g.outW + j] = x.data[((n * g.inChannels + c) * g.inH + ih) * g.inW + iw];
            }
          }
        }
      }
    }
  }
  return out;
}
