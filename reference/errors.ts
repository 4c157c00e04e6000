/**
 * The one error type every operator throws for bad input.
 *
 * The message always starts with the operation's name and carries the shapes and options it got,
 * plus what would be valid, so a caller can fix the call without reading the source.
 */
export class OperatorInputError extends Error {
  /** The operation that rejected its input, e.g. `'conv2d'`. */
  readonly op: string;
  /** Recognisable without this module instance (a port's own copy of the harness, a page): see `isOperatorInputError`. */
  readonly code = OPERATOR_INPUT_ERROR_CODE;

  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'OperatorInputError';
    this.op = op;
  }
}

/** The `code` every bad-input error carries, this project's and a port's alike. */
export const OPERATOR_INPUT_ERROR_CODE = 'ERR_OPERATOR_INPUT';

/**
 * Whether `error` is a bad-input rejection: by its `code` (or its `name`), not `instanceof`, so an
 * error thrown by another copy of this module, or by a port's own class, is recognised too.
 */
export function isOperatorInputError(error: unknown): error is Error & { code?: string; op?: string } {
  const e = error as { code?: unknown; name?: unknown } | null;
  return typeof e === 'object' && e !== null && (e.code === OPERATOR_INPUT_ERROR_CODE || e.name === 'OperatorInputError');
}
