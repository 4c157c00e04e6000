import { assertGradientShape } from './shape.ts';
import { assertTensor, fromFlat, type Tensor } from './tensor.ts';
import { OperatorInputError } from './errors.ts';

/** PyTorch's `nn.Flatten()`: keeps the batch axis, joins the rest. `[N, C, H, W]` → `[N, C*H*W]`. */
export function flatten(x: Tensor): Tensor {
  return fromFlat(checkFlatten(x), x.data);
}

/** Backward pass of {@link flatten}: the gradient reshaped back to the input's shape. */
export function flattenBackward(dy: Tensor, inputShape: readonly number[]): { readonly dx: Tensor } {
  checkFlattenBackward(dy, inputShape);
  return { dx: fromFlat(inputShape, dy.data) };
}

/** Validates flatten's input and returns the output shape, without reading the values (shared with every backend). */
export function checkFlatten(x: Tensor): number[] {
  assertTensor('flatten', 'x', x);
  if (x.shape.length < 2) {
    throw new OperatorInputError('flatten', `x needs a batch axis and at least one more; got shape [${x.shape.join(', ')}].`);
  }
  return [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)];
}

/** Validates flattenBackward's inputs (shared with every backend). */
export function checkFlattenBackward(dy: Tensor, inputShape: readonly number[]): void {
  assertTensor('flattenBackward', 'dy', dy, 2, '[N, features]');
  const features = inputShape.slice(1).reduce((a, b) => a * b, 1);
  assertGradientShape('flattenBackward', dy.shape, [inputShape[0], features]);
}
