/** The output-shape formula, written out here independently of reference/shape.ts, predicts every shape. */
import fc from 'fast-check';
import * as ref from '../../reference/index.ts';
import { conv2dCase, type Conv2dCase } from '../arbitraries/conv2dCase.ts';
import { pool2dCase, type Pool2dCase } from '../arbitraries/pool2dCase.ts';
import { assertShape, assertThat } from '../compare.ts';
import { defineProperty } from '../property.ts';
import { float32Tensor } from '../tensors.ts';

/**
 * `floor((n + p_begin + p_end - d(k-1) - 1) / s) + 1`; in ceil mode rounded up instead, less one when
 * the last window would start past the input and its leading padding (PyTorch's pooling rule).
 */
function predictedSize(n: number, k: number, s: number, pBegin: number, pEnd: number, d: number, ceil: boolean): number {
  const reach = n + pBegin + pEnd - d * (k - 1) - 1;
  if (!ceil) return Math.floor(reach / s) + 1;
  const size = Math.ceil(reach / s) + 1;
  return (size - 1) * s >= n + pBegin ? size - 1 : size;
}

const pair = (v: ref.IntPair | undefined, fallback: number) => (v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v);

export const outputShapeFormula = defineProperty({
  id: 'law-output-shape-formula',
  kind: 'law',
  uses: ['conv2d', 'maxPool2d', 'avgPool2d'],
  partial: true,
  statement: 'the output-shape formula predicts every conv2d and pooling output shape; without dilation it is the chapter\'s floor((n - k + p + s) / s)',
  arbitrary: fc.oneof(conv2dCase().map((c) => ({ op: 'conv' as const, c })), pool2dCase().map((c) => ({ op: 'pool' as const, c }))),
  async check(backend, { op, c }: { op: 'conv'; c: Conv2dCase } | { op: 'pool'; c: Pool2dCase }) {
    const x = float32Tensor(c.xShape, c.seed);
    const p = ref.resolvePadding('law', c.options.padding ?? 0);
    const [N, C, H, W] = c.xShape;
    let kernel: readonly number[];
    let stride: readonly number[];
    let dilation: readonly number[];
    let ceil = false;
    let channels = C;
    let y: ref.Tensor;
    if (op === 'conv') {
      kernel = c.weightShape.slice(2);
      stride = pair(c.options.stride, 1);
      dilation = pair(c.options.dilation, 1);
      channels = c.weightShape[0];
      y = await backend.conv2d(x, float32Tensor(c.weightShape, c.seed + 1), null, c.options);
    } else {
      kernel = pair(c.options.kernelSize, 0);
      stride = pair(c.options.stride, 0);
      if (c.options.stride === undefined) stride = kernel; // PyTorch: stride defaults to the window
      dilation = c.kind === 'max' ? pair(c.options.dilation, 1) : [1, 1];
      ceil = c.options.ceilMode ?? false;
      y = c.kind === 'max' ? await backend.maxPool2d(x, c.options) : await backend.avgPool2d(x, c.options);
    }
    const outH = predictedSize(H, kernel[0], stride[0], p.top, p.bottom, dilation[0], ceil);
    const outW = predictedSize(W, kernel[1], stride[1], p.left, p.right, dilation[1], ceil);
    assertShape(`${op} output`, y, [N, channels, outH, outW]);
    if (dilation[0] === 1 && dilation[1] === 1 && !ceil) {
      const chapter = (n: number, k: number, pad: number, s: number) => Math.floor((n - k + pad + s) / s);
      assertThat(
        chapter(H, kernel[0], p.top + p.bottom, stride[0]) === outH && chapter(W, kernel[1], p.left + p.right, stride[1]) === outW,
        `the chapter's formula disagrees with the general one for ${JSON.stringify(c)}`,
      );
    }
  },
});
