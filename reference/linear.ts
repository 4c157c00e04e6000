import { OperatorInputError } from './errors.ts';
import { assertGradientShape } from './shape.ts';
import { assertTensor, formatShape, zeros, type Tensor } from './tensor.ts';

/** Gradients of linear with respect to each of its inputs. */
export interface LinearGradients {
  readonly dx: Tensor;
  readonly dw: Tensor;
  /** Returned even when the forward had no bias. */
  readonly db: Tensor;
}

/** Validates linear's inputs; shared with every kernel backend. */
export function checkLinear(op: string, x: Tensor, weight: Tensor, bias: Tensor | null): void {
  assertTensor(op, 'x', x, 2, '[N, inFeatures]');
  assertTensor(op, 'weight', weight, 2, '[outFeatures, inFeatures]');
  if (weight.shape[1] !== x.shape[1]) {
    throw new OperatorInputError(
      op,
      `x ${formatShape(x.shape)} has ${x.shape[1]} features but weight ${formatShape(weight.shape)} expects ` +
        `${weight.shape[1]}. Fix: flatten the input, or use weight [${weight.shape[0]}, ${x.shape[1]}].`,
    );
  }
  if (bias !== null) {
    assertTensor(op, 'bias', bias, 1, '[outFeatures]');
    if (bias.shape[0] !== weight.shape[0]) {
      throw new OperatorInputError(op, `bias must be [${weight.shape[0]}]; got ${formatShape(bias.shape)}.`);
    }
  }
}

/**
 * Fully connected layer as PyTorch's `nn.Linear`: `y = x weightᵀ + bias`.
 *
 * @param x - `[N, inFeatures]`
 * @param weight - `[outFeatures, inFeatures]`
 * @param bias - `[outFeatures]` or `null`
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  checkLinear('linear', x, weight, bias);
  const [batch, inFeatures] = x.shape;
  const outFeatures = weight.shape[0];
  const y = zeros([batch, outFeatures]);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < outFeatures; o++) {
      let sum = bias === null ? 0 : bias.data[o];
      for (let k = 0; k < inFeatures; k++) sum += x.data[n * inFeatures + k] * weight.data[o * inFeatures + k];
      y.data[n * outFeatures + o] = sum;
    }
  }
  return y;
}

/** Validates a linearBackward call: the forward's checks, then dy `[N, outFeatures]`. */
export function checkLinearBackward(dy: Tensor, x: Tensor, weight: Tensor): void {
  checkLinear('linearBackward', x, weight, null);
  assertTensor('linearBackward', 'dy', dy, 2, '[N, outFeatures]');
  assertGradientShape('linearBackward', dy.shape, [x.shape[0], weight.shape[0]]);
}

/** Backward pass of {@link linear}: `dx = dy weight`, `dw = dyᵀ x`, `db = sum of dy over the batch`. */
export function linearBackward(dy: Tensor, x: Tensor, weight: Tensor): LinearGradients {
  checkLinearBackward(dy, x, weight);
  const [batch, inFeatures] = x.shape;
  const outFeatures = weight.shape[0];
  const dx = zeros(x.shape);
  const dw = zeros(weight.shape);
  const db = zeros([outFeatures]);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < outFeatures; o++) {
      const grad = dy.data[n * outFeatures + o];
      db.data[o] += grad;
      for (let k = 0; k < inFeatures; k++) {
        dx.data[n * inFeatures + k] += grad * weight.data[o * inFeatures + k];
        dw.data[o * inFeatures + k] += grad * x.data[n * inFeatures + k];
      }
    }
  }
  return { dx, dw, db };
}
