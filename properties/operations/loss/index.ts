/** The loss family: softmax cross-entropy, its gradient, and accuracy. */
import type { OperationFamily } from '../family.ts';
import { crossEntropyEqualsReference } from './conformance.ts';
import { MUTANTS } from './mutants.ts';
import { accuracy, crossEntropy, crossEntropyBackward } from './operations.ts';

export const lossFamily: OperationFamily = {
  name: 'loss',
  operations: { crossEntropy, crossEntropyBackward, accuracy },
  laws: [],
  conformance: [crossEntropyEqualsReference],
  mutants: MUTANTS,
};
