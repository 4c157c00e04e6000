import { checkActivation, checkActivationBackward } from './activationChecks.ts';
import { zeros, type Tensor } from './tensor.ts';

/** Log of the softmax over the last axis of `[N, C]`: `x - max - log(sum exp(x - max))`, stable. */
export function logSoftmax(x: Tensor): Tensor {
  checkActivation('logSoftmax', x, 'rows');
  const [batch, classes] = x.shape;
  const y = zeros(x.shape);
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, x.data[row + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(x.data[row + c] - max);
    const logSum = max + Math.log(sum);
    for (let c = 0; c < classes; c++) y.data[row + c] = x.data[row + c] - logSum;
  }
  return y;
}

/** Backward pass of {@link logSoftmax} from its output: `dx = dy - exp(y) * sum over the row of dy`. */
export function logSoftmaxBackward(dy: Tensor, output: Tensor): { readonly dx: Tensor } {
  checkActivationBackward('logSoftmaxBackward', dy, output, 'output', 'rows');
  const [batch, classes] = output.shape;
  const dx = zeros(output.shape);
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += dy.data[row + c];
    for (let c = 0; c < classes; c++) dx.data[row + c] = dy.data[row + c] - Math.exp(output.data[row + c]) * sum;
  }
  return { dx };
}
