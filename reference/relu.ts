import { checkActivation, checkActivationBackward } from './activationChecks.ts';
import { zeros, type Tensor } from './tensor.ts';

/** Elementwise `max(x, 0)`; NaN stays NaN (PyTorch's rule). */
export function relu(x: Tensor): Tensor {
  checkActivation('relu', x);
  const y = zeros(x.shape);
  for (let k = 0; k < x.data.length; k++) y.data[k] = x.data[k] > 0 || Number.isNaN(x.data[k]) ? x.data[k] : 0;
  return y;
}

/**
 * Backward pass of {@link relu}: PyTorch's `x <= 0 ? 0 : dy`. The gradient at 0 is 0, and where x is
 * NaN the upstream gradient passes through (NaN <= 0 is false), as PyTorch's threshold_backward does.
 */
export function reluBackward(dy: Tensor, x: Tensor): { readonly dx: Tensor } {
  checkActivationBackward('reluBackward', dy, x, 'x');
  const dx = zeros(x.shape);
  for (let k = 0; k < dx.data.length; k++) dx.data[k] = x.data[k] <= 0 ? 0 : dy.data[k];
  return { dx };
}
