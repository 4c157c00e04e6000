/**
 * The reference operators: naive loops in float64, the oracle every kernel is checked against.
 * Results are `Float64Array` tensors; inputs may be float32 or float64.
 */
export { OperatorInputError, OPERATOR_INPUT_ERROR_CODE, isOperatorInputError } from './errors.ts';
// Each operation's validation with the operation's own arguments (what a port calls first).
export { validate } from './validate.ts';
export {
  type Tensor, type ResidentTensor, RESIDENT, isResident, type NestedNumbers, tensor, fromFlat, toNested, zeros, arange, reshape, sizeOf, formatShape, assertTensor, assertHostTensor,
} from './tensor.ts';
export {
  type IntPair, type Padding2d, type Conv2dOptions, type Pool2dOptions, type MaxPool2dOptions, type AvgPool2dOptions,
  type Window2d, type Conv2dGeometry, type Pool2dGeometry,
  outputSize, chapterOutputSize, resolveConv2d, resolvePool2d, resolvePair, resolvePadding,
  MAX_POOL2D_OPTIONS, AVG_POOL2D_OPTIONS,
} from './shape.ts';

// The chapter's own functions, on single images.
export { corr2d } from './corr2d.ts';
export { convolve2d } from './convolve2d.ts';
export { corr2dMultiIn } from './corr2dMultiIn.ts';
export { corr2dMultiInOut } from './corr2dMultiInOut.ts';
export { corr2dMultiInOut1x1 } from './corr2dMultiInOut1x1.ts';
export { corr2dAsMatmul } from './corr2dAsMatmul.ts';
export { im2col } from './im2col.ts';
export { pool2d, type PoolMode } from './pool2d.ts';

// Batched layers with PyTorch semantics, each with its backward pass.
export { conv2d, conv2dBackward, type Conv2dBackwardOptions, type Conv2dGradients } from './conv2d.ts';
export { maxPool2d, maxPool2dBackward } from './maxPool2d.ts';
export { avgPool2d, avgPool2dBackward } from './avgPool2d.ts';
export { matmul } from './matmul.ts';
export { linear, linearBackward, type LinearGradients } from './linear.ts';
export { flatten, flattenBackward } from './flatten.ts';
export { sigmoid, sigmoidBackward } from './sigmoid.ts';
export { relu, reluBackward } from './relu.ts';
export { softmax, softmaxBackward } from './softmax.ts';
export { logSoftmax, logSoftmaxBackward } from './logSoftmax.ts';
export { crossEntropy, crossEntropyBackward, type Labels } from './crossEntropy.ts';
export { accuracy } from './accuracy.ts';

// Training utilities.
export { sgd } from './sgd.ts';

// Validation, for ports: the reference's own checks, so a port rejects bad input with the same errors.
export { checkConv2d, checkConv2dBackward } from './conv2d.ts';
export { checkMaxPool2d, checkMaxPool2dBackward } from './maxPool2d.ts';
export { checkAvgPool2d, checkAvgPool2dBackward } from './avgPool2d.ts';
export { checkMatmul } from './matmul.ts';
export { checkLinear, checkLinearBackward } from './linear.ts';
export { checkFlatten, checkFlattenBackward } from './flatten.ts';
export { checkActivation, checkActivationBackward, type ActivationLayout } from './activationChecks.ts';
export { assertLabels as checkLabels } from './crossEntropy.ts';
export { checkSgd } from './sgd.ts';
export { assertGradientShape } from './shape.ts';
export { xavierUniform } from './xavierUniform.ts';
export { createRandom, restoreRandom, type SeededRandom } from './random.ts';
