/**
 * Validation of the activations and the softmax family, shared by the reference and any port (the
 * same errors, byte for byte): elementwise ones take any rank, the softmax family `[N, C]` rows.
 */
import { assertGradientShape } from './shape.ts';
import { assertTensor, type Tensor } from './tensor.ts';

/** Whether an operation works on `[N, C]` rows (softmax, logSoftmax) or elementwise (sigmoid, relu). */
export type ActivationLayout = 'elementwise' | 'rows';

const rank = (layout: ActivationLayout) => (layout === 'rows' ? 2 : undefined);
const described = (layout: ActivationLayout) => (layout === 'rows' ? '[N, C]' : undefined);

/** Checks `x` of `op` (e.g. 'softmax', 'rows'). */
export function checkActivation(op: string, x: Tensor, layout: ActivationLayout = 'elementwise'): void {
  assertTensor(op, 'x', x, rank(layout), described(layout));
}

/**
 * Checks a backward pass's `dy` and the tensor it is taken from (`output` for sigmoid and the softmax
 * family, `x` for relu): both tensors, the same shape.
 */
export function checkActivationBackward(op: string, dy: Tensor, from: Tensor, fromName: 'output' | 'x', layout: ActivationLayout = 'elementwise'): void {
  assertTensor(op, 'dy', dy, rank(layout), described(layout));
  assertTensor(op, fromName, from, rank(layout), described(layout));
  assertGradientShape(op, dy.shape, from.shape);
}
