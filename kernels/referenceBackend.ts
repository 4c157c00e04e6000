/** The reference operators behind the backend interface: the baseline for the suite and the bench. */
import * as ref from '../reference/index.ts';
import type { Backend } from './backend.ts';

export function createReferenceBackend(): Backend {
  return {
    name: 'reference',
    oracle: true,
    conv2d: async (x, w, b, o) => ref.conv2d(x, w, b, o),
    conv2dBackward: async (dy, x, w, o) => ref.conv2dBackward(dy, x, w, o),
    maxPool2d: async (x, o) => ref.maxPool2d(x, o),
    maxPool2dBackward: async (dy, x, o) => ref.maxPool2dBackward(dy, x, o),
    avgPool2d: async (x, o) => ref.avgPool2d(x, o),
    avgPool2dBackward: async (dy, x, o) => ref.avgPool2dBackward(dy, x, o),
    matmul: async (A, B) => ref.matmul(A, B),
    linear: async (x, w, b) => ref.linear(x, w, b),
    linearBackward: async (dy, x, w) => ref.linearBackward(dy, x, w),
    flatten: async (x) => ref.flatten(x),
    flattenBackward: async (dy, s) => ref.flattenBackward(dy, s),
    sigmoid: async (x) => ref.sigmoid(x),
    sigmoidBackward: async (dy, y) => ref.sigmoidBackward(dy, y),
    relu: async (x) => ref.relu(x),
    reluBackward: async (dy, x) => ref.reluBackward(dy, x),
    softmax: async (x) => ref.softmax(x),
    softmaxBackward: async (dy, y) => ref.softmaxBackward(dy, y),
    logSoftmax: async (x) => ref.logSoftmax(x),
    logSoftmaxBackward: async (dy, y) => ref.logSoftmaxBackward(dy, y),
    crossEntropy: async (l, y) => ref.crossEntropy(l, y),
    crossEntropyBackward: async (l, y) => ref.crossEntropyBackward(l, y),
    accuracy: async (l, y) => ref.accuracy(l, y),
    sgd: async (p, g, lr) => ref.sgd(p, g, lr),
    dispose: () => {},
  };
}
