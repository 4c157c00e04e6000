/** Bad input is rejected by every backend with the reference's own error, never computed. */
import fc from 'fast-check';
import * as ref from '../../reference/index.ts';
import { NotImplementedError, OPERATION_NAMES, type Backend } from '../../kernels/backend.ts';
import { assertThat } from '../compare.ts';
import { defineProperty } from '../property.ts';
import { float32Tensor } from '../tensors.ts';

export type Call = { run(backend: Backend): Promise<unknown> };

const t = (shape: number[], seed = 1) => float32Tensor(shape, seed);
const x4 = t([2, 3, 6, 6]);
const w4 = t([4, 3, 3, 3], 2);

/** One bad call per way to get an input wrong; each names the operation's argument it breaks. */
export const BAD_CALLS: Record<string, Call> = {
  'conv2d: x of rank 3': { run: (b) => b.conv2d(t([3, 6, 6]), w4, null) },
  'conv2d: weight channels differ from x': { run: (b) => b.conv2d(x4, t([4, 2, 3, 3]), null) },
  'conv2d: kernel larger than the padded input': { run: (b) => b.conv2d(x4, t([4, 3, 7, 7]), null, { padding: 0 }) },
  'conv2d: negative stride': { run: (b) => b.conv2d(x4, w4, null, { stride: -1 }) },
  'conv2d: zero stride': { run: (b) => b.conv2d(x4, w4, null, { stride: [1, 0] }) },
  'conv2d: non-integer padding': { run: (b) => b.conv2d(x4, w4, null, { padding: 0.5 }) },
  'conv2d: negative padding side': { run: (b) => b.conv2d(x4, w4, null, { padding: { top: 0, bottom: -1, left: 0, right: 0 } }) },
  'conv2d: unknown option name': { run: (b) => b.conv2d(x4, w4, null, { strides: 2 } as ref.Conv2dOptions) },
  'conv2d: groups not dividing Cin': { run: (b) => b.conv2d(x4, t([4, 1, 3, 3]), null, { groups: 2 }) },
  'conv2d: bias of the wrong length': { run: (b) => b.conv2d(x4, w4, t([3]), {}) },
  'conv2d: data length not matching the shape': { run: (b) => b.conv2d({ shape: [2, 3, 6, 6], data: new Float32Array(10) }, w4, null) },
  'conv2d: plain array data': { run: (b) => b.conv2d({ shape: [1, 1, 2, 2], data: [1, 2, 3, 4] as unknown as Float32Array }, t([1, 1, 1, 1]), null) },
  'conv2dBackward: dy of the wrong shape': { run: (b) => b.conv2dBackward(t([2, 4, 5, 5]), x4, w4) },
  'maxPool2d: padding over half the window': { run: (b) => b.maxPool2d(x4, { kernelSize: 2, padding: 2 }) },
  'maxPool2d: missing kernelSize': { run: (b) => b.maxPool2d(x4, {} as ref.MaxPool2dOptions) },
  'maxPool2d: x of rank 2': { run: (b) => b.maxPool2d(t([6, 6]), { kernelSize: 2 }) },
  'avgPool2d: window larger than the input': { run: (b) => b.avgPool2d(x4, { kernelSize: 7 }) },
  'avgPool2d: dilation is not an avgPool2d option': { run: (b) => b.avgPool2d(x4, { kernelSize: 2, dilation: 2 } as ref.AvgPool2dOptions) },
  'avgPool2dBackward: dy of the wrong shape': { run: (b) => b.avgPool2dBackward(t([2, 3, 2, 2]), x4, { kernelSize: 2 }) },
  'matmul: inner sizes differ': { run: (b) => b.matmul(t([2, 3]), t([4, 2])) },
  'linear: in-features differ': { run: (b) => b.linear(t([2, 5]), t([3, 4]), null) },
  'linearBackward: dy of the wrong shape': { run: (b) => b.linearBackward(t([2, 4]), t([2, 5]), t([3, 5])) },
  'crossEntropy: label out of range': { run: (b) => b.crossEntropy(t([2, 3]), [0, 3]) },
  'crossEntropy: non-integer label': { run: (b) => b.crossEntropy(t([2, 3]), [0, 1.5]) },
  'crossEntropy: label count differs from the batch': { run: (b) => b.crossEntropy(t([2, 3]), [0]) },
  'softmax: rank 1': { run: (b) => b.softmax(t([5])) },
  'sigmoidBackward: dy of a different shape': { run: (b) => b.sigmoidBackward(t([2, 3]), t([3, 2])) },
  'reluBackward: dy of a different shape': { run: (b) => b.reluBackward(t([2, 3]), t([2, 4])) },
  'softmaxBackward: dy of a different shape': { run: (b) => b.softmaxBackward(t([2, 3]), t([2, 4])) },
  'logSoftmaxBackward: dy of a different shape': { run: (b) => b.logSoftmaxBackward(t([3, 3]), t([2, 3])) },
  'flattenBackward: dy not matching the input shape': { run: (b) => b.flattenBackward(t([2, 5]), [2, 3, 2]) },
  'sgd: parameter and gradient shapes differ': { run: (b) => b.sgd([t([3])], [t([4])], 0.1) },
  'sgd: negative learning rate': { run: (b) => b.sgd([t([3])], [t([3])], -1) },
};

export const BAD_CALL_NAMES = Object.keys(BAD_CALLS);

async function errorOf(call: Call, backend: Backend): Promise<Error | null> {
  try {
    await call.run(backend);
    return null;
  } catch (error) {
    return error as Error;
  }
}

export const rejectsBadInputLikeReference = defineProperty({
  id: 'contract-rejects-bad-input-like-reference',
  kind: 'contract',
  uses: OPERATION_NAMES,
  partial: true,
  statement: 'every bad input (rank, channels, kernel too large, bad stride/padding, unknown option, bad labels, gradient shapes) is rejected before any work: with the reference\'s own message (strict), or a recognisable bad-input error naming the operation (port)',
  // Every bad call in every case, in a generated order: a backend that keeps state between calls
  // (a cache, an arena) must still answer each one correctly after the others have failed.
  arbitrary: fc.shuffledSubarray(BAD_CALL_NAMES, { minLength: BAD_CALL_NAMES.length }),
  runsFactor: 0.2,
  async check(backend, names: string[], context) {
    const reference = (await import('../../kernels/referenceBackend.ts')).createReferenceBackend();
    for (const name of names) {
      const call = BAD_CALLS[name];
      const expected = await errorOf(call, reference);
      assertThat(expected instanceof ref.OperatorInputError, `the reference accepts '${name}': the case list is wrong`);
      const actual = await errorOf(call, backend);
      if (actual instanceof NotImplementedError) continue; // a partial backend's missing operation
      assertThat(actual !== null, `${name}: ${backend.name} accepted it; expected the error "${expected.message}"`);
      if (context.errorContract === 'port') {
        // A port's own error class: recognisable by name or code, naming the operation first.
        const op = name.slice(0, name.indexOf(':'));
        assertThat(ref.isOperatorInputError(actual), `${name}: ${backend.name} threw ${actual.name} "${actual.message}"; expected an error with name 'OperatorInputError' or code '${ref.OPERATOR_INPUT_ERROR_CODE}'`);
        assertThat(actual.message.startsWith(`${op}:`), `${name}: ${backend.name} threw "${actual.message}"; the message must start with '${op}:' (the reference says "${expected.message}")`);
        continue;
      }
      assertThat(actual.message === expected.message, `${name}: ${backend.name} threw "${actual.message}"; expected "${expected.message}"`);
    }
  },
});
