import { checkActivation, checkActivationBackward } from './activationChecks.ts';
import { zeros, type Tensor } from './tensor.ts';

/** Softmax over the last axis of `[N, C]`; the row maximum is subtracted first so exp never overflows. */
export function softmax(x: Tensor): Tensor {
  checkActivation('softmax', x, 'rows');
  const [batch, classes] = x.shape;
  const y = zeros(x.shape);
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, x.data[row + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      y.data[row + c] = Math.exp(x.data[row + c] - max);
      sum += y.data[row + c];
    }
    for (let c = 0; c < classes; c++) y.data[row + c] /= sum;
  }
  return y;
}

/** Backward pass of {@link softmax} from its output: `dx = y * (dy - sum over the row of dy * y)`. */
export function softmaxBackward(dy: Tensor, output: Tensor): { readonly dx: Tensor } {
  checkActivationBackward('softmaxBackward', dy, output, 'output', 'rows');
  const [batch, classes] = output.shape;
  const dx = zeros(output.shape);
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    let dot = 0;
    for (let c = 0; c < classes; c++) dot += dy.data[row + c] * output.data[row + c];
    for (let c = 0; c < classes; c++) dx.data[row + c] = output.data[row + c] * (dy.data[row + c] - dot);
  }
  return { dx };
}
