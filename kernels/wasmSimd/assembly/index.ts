// The wasm-simd backend's kernels, compiled by `npm run build` (AssemblyScript, SIMD enabled).
export { sgemm, transpose } from './gemm';
export { im2col, col2im, addBias, sumBias } from './conv';
export { maxPoolForward, maxPoolBackward, avgPoolForward, avgPoolBackward } from './pool';
export {
  sigmoidForward, sigmoidBackward, reluForward, reluBackward, softmaxForward, softmaxBackward,
  crossEntropyForward, crossEntropyBackward, correctCount, sgdUpdate,
} from './elementwise';
export { conv2dForwardRange, conv2dBackwardRange, addInto } from './convDriver';
export { directTapOffsets } from './directConv';
// Exported so Binaryen keeps them out of conv2dBackwardRange (a kernel inlined into the driver ran its
// inner loop with the driver's 25 arguments live).
export { directWeightGradient } from './directDw';
export { implicitWeightGradientT } from './implicitDw';
