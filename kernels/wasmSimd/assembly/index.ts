// The wasm-simd backend's kernels, compiled by `npm run build` (AssemblyScript, SIMD enabled).
export { sgemm, sgemmNT, transpose } from './gemm';
export { im2col, col2im, addBias, sumBias } from './conv';
export { maxPoolForward, maxPoolBackward, avgPoolForward, avgPoolBackward } from './pool';
export {
  sigmoidForward, sigmoidBackward, reluForward, reluBackward, softmaxForward, softmaxBackward,
  crossEntropyForward, crossEntropyBackward, correctCount, sgdUpdate,
} from './elementwise';
export { conv2dForwardRange, conv2dBackwardRange, addInto } from './convDriver';
export { directTapOffsets } from './directConv';
