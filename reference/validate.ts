/**
 * Every operation's input validation, called with the operation's own arguments:
 * `validate.conv2d(x, weight, bias, options)` throws exactly the `OperatorInputError` that
 * `conv2d(x, weight, bias, options)` throws for those arguments, and returns nothing when they are
 * valid. A port calls it first thing in each operation, and bad input gets the reference's own
 * errors before any work (the strict bad-input contract). The reference runs the same checks.
 */
import { checkActivation, checkActivationBackward } from './activationChecks.ts';
import { checkAvgPool2d, checkAvgPool2dBackward } from './avgPool2d.ts';
import { checkConv2d, checkConv2dBackward, type Conv2dBackwardOptions } from './conv2d.ts';
import { assertLabels, type Labels } from './crossEntropy.ts';
import { checkFlatten, checkFlattenBackward } from './flatten.ts';
import { checkLinear, checkLinearBackward } from './linear.ts';
import { checkMatmul } from './matmul.ts';
import { checkMaxPool2d, checkMaxPool2dBackward } from './maxPool2d.ts';
import { checkSgd } from './sgd.ts';
import type { AvgPool2dOptions, Conv2dOptions, MaxPool2dOptions } from './shape.ts';
import type { Tensor } from './tensor.ts';

export const validate = {
  conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): void {
    checkConv2d('conv2d', x, weight, bias, options);
  },
  conv2dBackward(dy: Tensor, x: Tensor, weight: Tensor, options: Conv2dBackwardOptions = {}): void {
    checkConv2dBackward(dy, x, weight, options);
  },
  maxPool2d(x: Tensor, options: MaxPool2dOptions): void {
    checkMaxPool2d('maxPool2d', x, options);
  },
  maxPool2dBackward(dy: Tensor, x: Tensor, options: MaxPool2dOptions): void {
    checkMaxPool2dBackward(dy, x, options);
  },
  avgPool2d(x: Tensor, options: AvgPool2dOptions): void {
    checkAvgPool2d('avgPool2d', x, options);
  },
  avgPool2dBackward(dy: Tensor, x: Tensor, options: AvgPool2dOptions): void {
    checkAvgPool2dBackward(dy, x, options);
  },
  matmul(a: Tensor, b: Tensor): void {
    checkMatmul(a, b);
  },
  linear(x: Tensor, weight: Tensor, bias: Tensor | null): void {
    checkLinear('linear', x, weight, bias);
  },
  linearBackward(dy: Tensor, x: Tensor, weight: Tensor): void {
    checkLinearBackward(dy, x, weight);
  },
  flatten(x: Tensor): void {
    checkFlatten(x);
  },
  flattenBackward(dy: Tensor, inputShape: readonly number[]): void {
    checkFlattenBackward(dy, inputShape);
  },
  sigmoid(x: Tensor): void {
    checkActivation('sigmoid', x);
  },
  sigmoidBackward(dy: Tensor, output: Tensor): void {
    checkActivationBackward('sigmoidBackward', dy, output, 'output');
  },
  relu(x: Tensor): void {
    checkActivation('relu', x);
  },
  reluBackward(dy: Tensor, x: Tensor): void {
    checkActivationBackward('reluBackward', dy, x, 'x');
  },
  softmax(x: Tensor): void {
    checkActivation('softmax', x, 'rows');
  },
  softmaxBackward(dy: Tensor, output: Tensor): void {
    checkActivationBackward('softmaxBackward', dy, output, 'output', 'rows');
  },
  logSoftmax(x: Tensor): void {
    checkActivation('logSoftmax', x, 'rows');
  },
  logSoftmaxBackward(dy: Tensor, output: Tensor): void {
    checkActivationBackward('logSoftmaxBackward', dy, output, 'output', 'rows');
  },
  crossEntropy(logits: Tensor, labels: Labels): void {
    assertLabels('crossEntropy', logits, labels);
  },
  crossEntropyBackward(logits: Tensor, labels: Labels): void {
    assertLabels('crossEntropyBackward', logits, labels);
  },
  accuracy(logits: Tensor, labels: Labels): void {
    assertLabels('accuracy', logits, labels);
  },
  sgd(params: readonly Tensor[], grads: readonly Tensor[], lr: number): void {
    checkSgd(params, grads, lr);
  },
};
