/** Every property of the suite, in the order it runs: contracts, laws, then kernel-equals-reference. */
import { rejectsBadInputLikeReference } from './contracts/badInput.ts';
import { deterministic } from './contracts/determinism.ts';
import { inputsUnchanged } from './contracts/inputsUnchanged.ts';
import {
  crossEntropyEqualsReference, logSoftmaxEqualsReference, reluEqualsReference, sigmoidEqualsReference, softmaxEqualsReference,
} from './conformance/activations.ts';
import { conv2dBackwardEqualsReference, conv2dForwardEqualsReference } from './conformance/conv2d.ts';
import { flattenEqualsReference, linearEqualsReference, sgdEqualsReference } from './conformance/dense.ts';
import { nanPropagates } from './conformance/nan.ts';
import { avgPool2dEqualsReference, maxPool2dEqualsReference } from './conformance/pool2d.ts';
import {
  conv1x1EqualsMatmul, convolutionIsFlippedCrossCorrelation, finiteDifferencesAnnihilatePolynomials, im2colMatmulEqualsDirect,
  impulseReproducesFlippedKernel, linearInInputAndKernel, multiInputIsSumOverChannels, multiOutputIsStack, transposeCommutes,
  translationEquivariance,
} from './laws/convolution.ts';
import { maxPoolDominatesAvgPool, poolingActsPerChannel, poolTransposeCommutes } from './laws/pooling.ts';
import { outputShapeFormula } from './laws/shapes.ts';
import type { BackendProperty } from './property.ts';

export const ALL_PROPERTIES: readonly BackendProperty<any>[] = [
  rejectsBadInputLikeReference,
  deterministic,
  inputsUnchanged,
  outputShapeFormula,
  conv1x1EqualsMatmul,
  convolutionIsFlippedCrossCorrelation,
  multiInputIsSumOverChannels,
  multiOutputIsStack,
  im2colMatmulEqualsDirect,
  transposeCommutes,
  linearInInputAndKernel,
  translationEquivariance,
  impulseReproducesFlippedKernel,
  finiteDifferencesAnnihilatePolynomials,
  poolingActsPerChannel,
  maxPoolDominatesAvgPool,
  poolTransposeCommutes,
  conv2dForwardEqualsReference,
  conv2dBackwardEqualsReference,
  maxPool2dEqualsReference,
  avgPool2dEqualsReference,
  linearEqualsReference,
  flattenEqualsReference,
  sigmoidEqualsReference,
  reluEqualsReference,
  softmaxEqualsReference,
  logSoftmaxEqualsReference,
  crossEntropyEqualsReference,
  sgdEqualsReference,
  nanPropagates,
];
