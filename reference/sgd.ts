import { OperatorInputError } from './errors.ts';
import { assertHostTensor, assertTensor, formatShape, type Tensor } from './tensor.ts';

/**
 * One plain SGD step, in place: `param -= lr * grad` for every pair (PyTorch's `optim.SGD` with no
 * momentum or weight decay).
 */
export function sgd(params: readonly Tensor[], grads: readonly Tensor[], lr: number): void {
  checkSgd(params, grads, lr);
  params.forEach((p, i) => assertHostTensor('sgd', `params[${i}]`, p));
  params.forEach((p, i) => {
    const g = grads[i].data;
    for (let k = 0; k < p.data.length; k++) p.data[k] -= lr * g[k];
  });
}

/** Validates sgd's inputs; shared with every kernel backend. */
export function checkSgd(params: readonly Tensor[], grads: readonly Tensor[], lr: number): void {
  if (!Number.isFinite(lr) || lr <= 0) {
    throw new OperatorInputError('sgd', `lr must be a positive finite number; got ${lr}.`);
  }
  if (params.length !== grads.length) {
    throw new OperatorInputError('sgd', `got ${params.length} parameters but ${grads.length} gradients.`);
  }
  params.forEach((p, i) => {
    assertTensor('sgd', `params[${i}]`, p);
    assertTensor('sgd', `grads[${i}]`, grads[i]);
    if (p.shape.length !== grads[i].shape.length || p.shape.some((d, k) => d !== grads[i].shape[k])) {
      throw new OperatorInputError(
        'sgd',
        `params[${i}] ${formatShape(p.shape)} and grads[${i}] ${formatShape(grads[i].shape)} differ in shape.`,
      );
    }
  });
}
