/** The sgd family: the in-place parameter update. */
import type { OperationFamily } from '../family.ts';
import { sgdEqualsReference } from './conformance.ts';
import { MUTANTS } from './mutants.ts';
import { sgd } from './operations.ts';

export const sgdFamily: OperationFamily = {
  name: 'sgd',
  operations: { sgd },
  laws: [],
  conformance: [sgdEqualsReference],
  mutants: MUTANTS,
};
