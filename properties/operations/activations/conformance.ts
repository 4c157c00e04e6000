/**
 * sigmoid, relu, softmax and logSoftmax, each forward and backward, equal the reference. Inputs are drawn over value regimes that stress each one: moderate
 * values, sigmoid's saturating tails, large logits close together (the max shift's reason to exist),
 * wide and tiny magnitudes, ties, and NaN, ±Infinity and ±0 sprinkled in; the error models
 * (properties/tolerance.ts) scale with what the rounding really grows with.
 */
import * as ref from '../../../reference/index.ts';
import { expectConforms } from '../../judges.ts';
import { defineProperty } from '../../property.ts';
import { rowsCase, rowsInputs, type RowsCase } from '../../arbitraries/rowsCase.ts';

const float32 = (t: ref.Tensor): ref.Tensor => ({ shape: t.shape, data: Float32Array.from(t.data) });

/**
 * An activation's property: its forward on x, then its backward from what the reference says the
 * backward takes (the forward's output for sigmoid and the softmax family, the input x for relu).
 */
function forwardAndBackward(spec: {
  id: string; statement: string; forward: 'sigmoid' | 'relu' | 'softmax' | 'logSoftmax';
  backwardFrom: (x: ref.Tensor) => ref.Tensor;
}) {
  const backward = `${spec.forward}Backward` as const;
  return defineProperty({
    id: spec.id,
    kind: 'conformance',
    uses: [spec.forward, backward],
    partial: true,
    statement: spec.statement,
    arbitrary: rowsCase,
    async check(backend, c: RowsCase, context) {
      const { x, dy } = rowsInputs(c);
      await expectConforms(backend, spec.forward, [x], context);
      await expectConforms(backend, backward, [dy, spec.backwardFrom(x)], context);
    },
  });
}

export const sigmoidEqualsReference = forwardAndBackward({
  id: 'sigmoid-equals-reference',
  statement: 'sigmoid and sigmoidBackward equal the reference: y within u·y·(3 + 2(3 + 2|x|)(1 - y)) (a GLSL ES 3.00 exp\'s ulp), NaN kept, ±Infinity exact',
  forward: 'sigmoid',
  backwardFrom: (x) => float32(ref.sigmoid(x)),
});

export const reluEqualsReference = forwardAndBackward({
  id: 'relu-equals-reference',
  statement: 'relu and reluBackward equal the reference exactly: NaN stays NaN, the gradient at 0 is 0, and at NaN it passes dy (PyTorch\'s x <= 0 ? 0 : dy)',
  forward: 'relu',
  backwardFrom: (x) => x,
});

export const softmaxEqualsReference = forwardAndBackward({
  id: 'softmax-equals-reference',
  statement: 'softmax and softmaxBackward equal the reference: y within u·y·(13 + 5|x - max| + 3C), whatever the logits\' magnitude',
  forward: 'softmax',
  backwardFrom: (x) => float32(ref.softmax(x)),
});

export const logSoftmaxEqualsReference = forwardAndBackward({
  id: 'log-softmax-equals-reference',
  statement: 'logSoftmax and logSoftmaxBackward equal the reference: y within u·(|x - max| + |y| + 6·log Σ + 3C + 14), the shifted value, not |x|',
  forward: 'logSoftmax',
  backwardFrom: (x) => float32(ref.logSoftmax(x)),
});
