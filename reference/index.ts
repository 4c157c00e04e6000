/**
 * The reference operators: naive loops in float64, the oracle every kernel is checked against.
 * Results are `Float64Array` tensors; inputs may be float32 or float64.
 */
export { OperatorInputError, OPERATOR_INPUT_ERROR_CODE, isOperatorInputError } from './errors';
export {
  type Tensor, type ResidentTensor, RESIDENT, isResident, type NestedNumbers, tensor, fromFlat, toNested, zeros, arange, reshape, sizeOf, formatShape, assertTensor, assertHostTensor,
} from './tensor';
export {
  type IntPair, type Padding2d, type Conv2dOptions, type Pool2dOptions, type MaxPool2dOptions, type AvgPool2dOptions,
  type Window2d, type Conv2dGeometry, type Pool2dGeometry,
  outputSize, chapterOutputSize, resolveConv2d, resolvePool2d, resolvePair, resolvePadding,
  MAX_POOL2D_OPTIONS, AVG_POOL2D_OPTIONS,
} from './shape';

// The chapter's own functions, on single images.
export { corr2d } from './corr2d';
export { convolve2d } from './convolve2d';
export { corr2dMultiIn } from './corr2dMultiIn';
export { corr2dMultiInOut } from './corr2dMultiInOut';
export { corr2dMultiInOut1x1 } from './corr2dMultiInOut1x1';
export { corr2dAsMatmul } from './corr2dAsMatmul';
export { im2col } from './im2col';
export { pool2d, type PoolMode } from './pool2d';

// Batched layers with PyTorch semantics, each with its backward pass.
export { conv2d, conv2dBackward, type Conv2dGradients } from './conv2d';
export { maxPool2d, maxPool2dBackward } from './maxPool2d';
export { avgPool2d, avgPool2dBackward } from './avgPool2d';
export { matmul } from './matmul';
export { linear, linearBackward, type LinearGradients } from './linear';
export { flatten, flattenBackward } from './flatten';
export { sigmoid, sigmoidBackward } from './sigmoid';
export { relu, reluBackward } from './relu';
export { softmax, softmaxBackward } from './softmax';
export { logSoftmax, logSoftmaxBackward } from './logSoftmax';
export { crossEntropy, crossEntropyBackward, type Labels } from './crossEntropy';
export { accuracy } from './accuracy';

// Training utilities.
export { sgd } from './sgd';

// Validation, for ports: the reference's own checks, so a port rejects bad input with the same errors.
export { checkConv2d, checkConv2dBackward } from './conv2d';
export { checkMaxPool2d, checkMaxPool2dBackward } from './maxPool2d';
export { checkAvgPool2d, checkAvgPool2dBackward } from './avgPool2d';
export { checkMatmul } from './matmul';
export { checkLinear, checkLinearBackward } from './linear';
export { checkFlatten, checkFlattenBackward } from './flatten';
export { checkActivation, checkActivationBackward, type ActivationLayout } from './activationChecks';
export { assertLabels as checkLabels } from './crossEntropy';
export { checkSgd } from './sgd';
export { assertGradientShape } from './shape';
export { xavierUniform } from './xavierUniform';
export { createRandom, restoreRandom, type SeededRandom } from './random';
