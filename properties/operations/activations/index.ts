/** The activations family: sigmoid, relu, softmax and logSoftmax, forward and backward. */
import type { OperationFamily } from '../family.ts';
import { logSoftmaxEqualsReference, reluEqualsReference, sigmoidEqualsReference, softmaxEqualsReference } from './conformance.ts';
import { MUTANTS } from './mutants.ts';
import { logSoftmax, logSoftmaxBackward, relu, reluBackward, sigmoid, sigmoidBackward, softmax, softmaxBackward } from './operations.ts';

export const activationsFamily: OperationFamily = {
  name: 'activations',
  operations: { sigmoid, sigmoidBackward, relu, reluBackward, softmax, softmaxBackward, logSoftmax, logSoftmaxBackward },
  laws: [],
  conformance: [sigmoidEqualsReference, reluEqualsReference, softmaxEqualsReference, logSoftmaxEqualsReference],
  mutants: MUTANTS,
};
