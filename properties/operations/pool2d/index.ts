/** The pool2d family: max and average pooling, forward and backward. */
import type { OperationFamily } from '../family.ts';
import { avgPool2dEqualsReference, maxPool2dEqualsReference } from './conformance.ts';
import { maxPoolDominatesAvgPool, poolingActsPerChannel, poolTransposeCommutes } from './laws.ts';
import { MUTANTS } from './mutants.ts';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './operations.ts';

export const pool2dFamily: OperationFamily = {
  name: 'pool2d',
  operations: { maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward },
  laws: [poolingActsPerChannel, maxPoolDominatesAvgPool, poolTransposeCommutes],
  conformance: [maxPool2dEqualsReference, avgPool2dEqualsReference],
  mutants: MUTANTS,
};
