/** The conv2d family: conv2d and its backward. */
import type { OperationFamily } from '../family.ts';
import { conv2dBackwardEqualsReference, conv2dForwardEqualsReference } from './conformance.ts';
import * as laws from './laws.ts';
import { MUTANTS } from './mutants.ts';
import { conv2d, conv2dBackward } from './operations.ts';

export const conv2dFamily: OperationFamily = {
  name: 'conv2d',
  operations: { conv2d, conv2dBackward },
  laws: [
    laws.conv1x1EqualsMatmul, laws.convolutionIsFlippedCrossCorrelation, laws.multiInputIsSumOverChannels, laws.multiOutputIsStack,
    laws.im2colMatmulEqualsDirect, laws.transposeCommutes, laws.linearInInputAndKernel, laws.translationEquivariance,
    laws.impulseReproducesFlippedKernel, laws.finiteDifferencesAnnihilatePolynomials,
  ],
  conformance: [conv2dForwardEqualsReference, conv2dBackwardEqualsReference],
  mutants: MUTANTS,
};
