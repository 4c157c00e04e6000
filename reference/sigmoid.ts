import { checkActivation, checkActivationBackward } from './activationChecks.ts';
import { zeros, type Tensor } from './tensor.ts';

/** Elementwise logistic function `1 / (1 + exp(-x))`, written so neither branch overflows. */
export function sigmoid(x: Tensor): Tensor {
  checkActivation('sigmoid', x);
  const y = zeros(x.shape);
  for (let k = 0; k < x.data.length; k++) {
    const v = x.data[k];
    y.data[k] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
  }
  return y;
}

/**
 * Backward pass of {@link sigmoid} from its output: `dx = dy * y * (1 - y)`.
 *
 * @param output - the forward result `y = sigmoid(x)` (cheaper than recomputing it from x)
 */
export function sigmoidBackward(dy: Tensor, output: Tensor): { readonly dx: Tensor } {
  checkActivationBackward('sigmoidBackward', dy, output, 'output');
  const dx = zeros(output.shape);
  for (let k = 0; k < dx.data.length; k++) dx.data[k] = dy.data[k] * output.data[k] * (1 - output.data[k]);
  return { dx };
}
