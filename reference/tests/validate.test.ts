// `validate[op](...args)` is the operation's own validation, for ports: it throws exactly what the
// reference's operation throws for every bad call the bad-input contract makes, and accepts valid calls.
import { describe, expect, it } from 'vitest';
import { OPERATION_NAMES, type Backend } from '../../kernels/backend.ts';
import { createReferenceBackend } from '../../kernels/referenceBackend.ts';
import { BAD_CALLS } from '../../properties/contracts/badInput.ts';
import { float32Tensor } from '../../properties/tensors.ts';
import { validate } from '../validate.ts';

/** validate as a backend whose every operation only validates. */
const validator = Object.fromEntries(Object.entries(validate).map(([op, check]) => [op, async (...args: unknown[]) => (check as (...a: unknown[]) => void)(...args)])) as unknown as Backend;
const reference = createReferenceBackend();

async function messageOf(run: () => Promise<unknown>): Promise<string | null> {
  try {
    await run();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('validate', () => {
  it('has one entry per operation of the backend interface, in its order', () => {
    expect(Object.keys(validate)).toEqual([...OPERATION_NAMES]);
  });

  for (const [name, call] of Object.entries(BAD_CALLS)) {
    it(`${name}: the reference's own error`, async () => {
      const expected = await messageOf(() => call.run(reference));
      expect(expected).not.toBeNull();
      expect(await messageOf(() => call.run(validator))).toBe(expected);
    });
  }

  it('accepts a valid call of every operation', () => {
    const t = (shape: number[]) => float32Tensor(shape, 1);
    const x = t([2, 3, 6, 6]);
    const valid: { [op in keyof typeof validate]: () => void } = {
      conv2d: () => validate.conv2d(x, t([4, 3, 3, 3]), t([4]), { padding: 1 }),
      conv2dBackward: () => validate.conv2dBackward(t([2, 4, 6, 6]), x, t([4, 3, 3, 3]), { padding: 1 }),
      maxPool2d: () => validate.maxPool2d(x, { kernelSize: 2 }),
      maxPool2dBackward: () => validate.maxPool2dBackward(t([2, 3, 3, 3]), x, { kernelSize: 2 }),
      avgPool2d: () => validate.avgPool2d(x, { kernelSize: 3, stride: 1, countIncludePad: false }),
      avgPool2dBackward: () => validate.avgPool2dBackward(t([2, 3, 4, 4]), x, { kernelSize: 3, stride: 1 }),
      matmul: () => validate.matmul(t([2, 3]), t([3, 4])),
      linear: () => validate.linear(t([2, 3]), t([4, 3]), null),
      linearBackward: () => validate.linearBackward(t([2, 4]), t([2, 3]), t([4, 3])),
      flatten: () => validate.flatten(x),
      flattenBackward: () => validate.flattenBackward(t([2, 108]), [2, 3, 6, 6]),
      sigmoid: () => validate.sigmoid(x),
      sigmoidBackward: () => validate.sigmoidBackward(x, x),
      relu: () => validate.relu(x),
      reluBackward: () => validate.reluBackward(x, x),
      softmax: () => validate.softmax(t([2, 5])),
      softmaxBackward: () => validate.softmaxBackward(t([2, 5]), t([2, 5])),
      logSoftmax: () => validate.logSoftmax(t([2, 5])),
      logSoftmaxBackward: () => validate.logSoftmaxBackward(t([2, 5]), t([2, 5])),
      crossEntropy: () => validate.crossEntropy(t([2, 5]), [0, 4]),
      crossEntropyBackward: () => validate.crossEntropyBackward(t([2, 5]), [1, 2]),
      accuracy: () => validate.accuracy(t([2, 5]), Int32Array.of(3, 3)),
      sgd: () => validate.sgd([t([3])], [t([3])], 0.1),
    };
    for (const run of Object.values(valid)) expect(run).not.toThrow();
  });
});
