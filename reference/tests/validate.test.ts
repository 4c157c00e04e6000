// `validate[op](...args)` is the operation's own validation, for ports: it throws exactly what the
// reference's operation throws for every bad call the bad-input contract makes, and accepts each operation's sample call.
import { describe, expect, it } from 'vitest';
import { OPERATION_NAMES, type Backend } from '../../kernels/backend.ts';
import { createReferenceBackend } from '../../kernels/referenceBackend.ts';
import { BAD_CALLS } from '../../properties/contracts/badInput.ts';
import { operationRecord } from '../../properties/operations/index.ts';
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
  it('takes each operation\'s own options: conv2dBackward\'s inputGradient type-checks (npm run typecheck) and is validated', () => {
    const [dy, x, w] = [[1, 1, 2, 2], [1, 1, 3, 3], [1, 1, 2, 2]].map((shape) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b)) }));
    expect(() => validate.conv2dBackward(dy, x, w, { inputGradient: false })).not.toThrow();
    expect(() => validate.conv2dBackward(dy, x, w, { inputGradient: 'no' as unknown as boolean })).toThrow(/conv2dBackward: inputGradient must be true or false; got no/);
  });

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

  // Each operation's sample call (its record in properties/operations/): the reference computes it, and validate accepts it.
  for (const op of OPERATION_NAMES) {
    it(`${op}: accepts a valid call`, async () => {
      const args = operationRecord(op).sample();
      await (reference[op] as (...a: unknown[]) => Promise<unknown>)(...structuredClone(args)); // rejects, failing the test, if the sample is not valid
      expect(() => (validate[op] as (...a: unknown[]) => void)(...args)).not.toThrow();
    });
  }
});

describe('the geometry a validation returns', () => {
  it('holds exactly the window, then the shapes, in one order: what every backend reads (built as one literal, not a spread, for speed)', async () => {
    const { resolveConv2d, resolvePool2d, AVG_POOL2D_OPTIONS } = await import('../shape.ts');
    const { checkConv2dBackward } = await import('../conv2d.ts');
    const window = ['kernelH', 'kernelW', 'strideH', 'strideW', 'dilationH', 'dilationW', 'padTop', 'padBottom', 'padLeft', 'padRight'];
    const conv = resolveConv2d('conv2d', [2, 4, 9, 8], [6, 2, 3, 2], [6], { stride: [2, 1], padding: { top: 1, bottom: 0, left: 2, right: 1 }, dilation: 2, groups: 2 });
    expect(Object.keys(conv)).toEqual([...window, 'batch', 'inChannels', 'inH', 'inW', 'outChannels', 'groups', 'inChannelsPerGroup', 'outChannelsPerGroup', 'outH', 'outW', 'hasBias']);
    expect(conv).toMatchObject({ kernelH: 3, kernelW: 2, strideH: 2, strideW: 1, dilationH: 2, dilationW: 2, padTop: 1, padBottom: 0, padLeft: 2, padRight: 1, inChannelsPerGroup: 2, outChannelsPerGroup: 3, outH: 3, outW: 9, hasBias: true });
    const backward = checkConv2dBackward({ shape: [2, 6, 3, 9], data: new Float32Array(324) }, { shape: [2, 4, 9, 8], data: new Float32Array(576) }, { shape: [6, 2, 3, 2], data: new Float32Array(72) }, { stride: [2, 1], padding: { top: 1, bottom: 0, left: 2, right: 1 }, dilation: 2, groups: 2, inputGradient: false });
    expect(Object.keys(backward)).toEqual([...Object.keys(conv).filter((k) => k !== 'hasBias'), 'hasBias', 'inputGradient']);
    expect(backward).toMatchObject({ hasBias: false, inputGradient: false });
    const pool = resolvePool2d('avgPool2d', [2, 3, 7, 6], { kernelSize: [3, 2], stride: 2, padding: 1, ceilMode: true }, AVG_POOL2D_OPTIONS);
    expect(Object.keys(pool)).toEqual([...window, 'batch', 'channels', 'inH', 'inW', 'ceilMode', 'outH', 'outW']);
    expect(pool).toMatchObject({ kernelH: 3, kernelW: 2, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, ceilMode: true, outH: 4, outW: 4 });
  });
});
