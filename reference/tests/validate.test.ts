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
