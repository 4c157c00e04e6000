import { assertGradientShape } from './shape';
import { assertTensor, fromFlat, type Tensor } from './tensor';
import { OperatorInputError } from './errors';

/** PyTorch's `nn.Flatten()`: keeps the batch axis, joins the rest. `[N, C, H, W]` → `[N, C*H*W]`. */
export function flatten(x: Tensor): Tensor {
  assertTensor('flatten', 'x', x);
  if (x.shape.length < 2) {
    throw new OperatorInputError('flatten', `x needs a batch axis and at least one more; got shape [${x.shape.join(', ')}].`);
  }
  return fromFlat([x.shape[0], x.data.length / x.shape[0]], x.data);
}

/** Backward pass of {@link flatten}: the gradient reshaped back to the input's shape. */
export function flattenBackward(dy: Tensor, inputShape: readonly number[]): { readonly dx: Tensor } {
  assertTensor('flattenBackward', 'dy', dy, 2, '[N, features]');
  const features = inputShape.slice(1).reduce((a, b) => a * b, 1);
  assertGradientShape('flattenBackward', dy.shape, [inputShape[0], features]);
  return { dx: fromFlat(inputShape, dy.data) };
}
