/** Bad input is rejected by every backend with the reference's own error, never computed. */
import fc from 'fast-check';
import * as ref from '../../reference/index.ts';
import { NotImplementedError, OPERATION_NAMES, type Backend } from '../../kernels/backend.ts';
import { assertThat } from '../compare.ts';
import { badCalls } from '../operations/index.ts';
import { defineProperty } from '../property.ts';

/** A bad call: the operation on arguments it must reject. */
export type Call = { run(backend: Backend): Promise<unknown> };

/** Every operation's bad calls (its record's `badCalls`, properties/operations/), by name: '<operation>: <what is wrong>'. */
export const BAD_CALLS: Readonly<Record<string, Call>> = Object.fromEntries(
  badCalls().map(({ name, op, args }) => [name, { run: (b: Backend) => (b[op] as (...a: unknown[]) => Promise<unknown>).apply(b, [...args]) }]),
);

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
