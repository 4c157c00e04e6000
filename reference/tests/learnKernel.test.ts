// The chapter's "learning a convolution kernel": recover [1, -1] from the 6x8 edge example by
// gradient descent on the squared error, with the reference's own backward pass.
import { describe, expect, it } from 'vitest';
import { conv2d, conv2dBackward, corr2d, createRandom, fromFlat, reshape, sgd, tensor, type Tensor } from '../index.ts';

const image = tensor(Array.from({ length: 6 }, () => [1, 1, 0, 0, 0, 0, 1, 1]));
const X = reshape(image, [1, 1, 6, 8]);
const Y = reshape(corr2d(image, tensor([[1, -1]])), [1, 1, 6, 7]);

/** Runs `steps` of SGD on `sum((conv2d(X, w) + b - Y)^2)`; returns the loss before each step. */
function train(weight: Tensor, bias: Tensor | null, lr: number, steps: number): number[] {
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const Yhat = conv2d(X, weight, bias);
    const residual = Float64Array.from(Yhat.data, (v, k) => v - Y.data[k]);
    losses.push(residual.reduce((s, r) => s + r * r, 0));
    const dy = fromFlat(Yhat.shape, residual.map((r) => 2 * r));
    const { dw, db } = conv2dBackward(dy, X, weight);
    sgd(bias ? [weight, bias] : [weight], bias ? [dw, db] : [dw], lr);
  }
  return losses;
}

describe('learning the edge kernel', () => {
  it('no bias, lr 3e-2 (the chapter): the loss falls every step and the kernel converges to [1, -1]', () => {
    const random = createRandom(7);
    // PyTorch's default init for this layer: uniform in ±1/sqrt(fanIn) = ±1/sqrt(2).
    const weight = fromFlat([1, 1, 1, 2], [random.uniformIn(-0.7071, 0.7071), random.uniformIn(-0.7071, 0.7071)]);
    const losses = train(weight, null, 3e-2, 10);
    for (let k = 1; k < losses.length; k++) expect(losses[k]).toBeLessThan(losses[k - 1]);
    // The Hessian's eigenvalues are 12 and 60, so each step shrinks the error by 0.64 and 0.8:
    // after 10 steps the loss is a few percent of where it started, as the chapter prints (0.02-0.08).
    expect(losses[9]).toBeLessThan(0.05 * losses[0]);
    train(weight, null, 3e-2, 90);
    expect(weight.data[0]).toBeCloseTo(1, 6);
    expect(weight.data[1]).toBeCloseTo(-1, 6);
  });

  it('with a bias, lr 1e-2, 20 steps (the second notebook): loss falls, then kernel [1, -1] and bias 0', () => {
    const random = createRandom(11);
    const weight = fromFlat([1, 1, 1, 2], [random.normal(), random.normal()]);
    const bias = fromFlat([1], [random.normal()]);
    const losses = train(weight, bias, 1e-2, 20);
    expect(losses[19]).toBeLessThan(0.2 * losses[0]);
    train(weight, bias, 1e-2, 2000);
    expect(Array.from(weight.data).map((v) => +v.toFixed(4))).toEqual([1, -1]);
    expect(Math.abs(bias.data[0])).toBeLessThan(1e-4);
  });
});
