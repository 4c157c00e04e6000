/**
 * The one error type every operator throws for bad input.
 *
 * The message always starts with the operation's name and carries the shapes and options it got,
 * plus what would be valid, so a caller can fix the call without reading the source.
 */
export class OperatorInputError extends Error {
  /** The operation that rejected its input, e.g. `'conv2d'`. */
  readonly op: string;

  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'OperatorInputError';
    this.op = op;
  }
}
