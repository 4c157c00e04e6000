/** The dense family: matmul, linear and flatten, forward and backward. */
import type { OperationFamily } from '../family.ts';
import { flattenEqualsReference, linearEqualsReference } from './conformance.ts';
import { MUTANTS } from './mutants.ts';
import { flatten, flattenBackward, linear, linearBackward, matmul } from './operations.ts';

export const denseFamily: OperationFamily = {
  name: 'dense',
  operations: { matmul, linear, linearBackward, flatten, flattenBackward },
  laws: [],
  conformance: [linearEqualsReference, flattenEqualsReference],
  mutants: MUTANTS,
};
