/**
 * A property of the suite: a generator of cases and a check of one case against a backend.
 * Cases are plain JSON (shapes, options and a seed for the values), so a counterexample can be stored
 * under `fixtures/regressions/` and replayed on every run.
 */
import type fc from 'fast-check';
import type { Backend, OperationName } from '../kernels/backend.ts';

export type PropertyKind =
  /** Kernel equals reference within the error model. Skipped for the reference backend itself. */
  | 'conformance'
  /** A law of the chapter; holds on the reference and on every backend. */
  | 'law'
  /** The backend contract (determinism, the same errors as the reference); every backend. */
  | 'contract';

/** How strictly a run judges what is not a number: the errors a backend throws for bad input. */
export interface CheckContext {
  /**
   * 'strict': the reference's own error, message byte for byte (this project's backends, which
   * validate with the reference's check functions); 'port': an error recognisable as a bad-input
   * rejection (`name` 'OperatorInputError' or `code` 'ERR_OPERATOR_INPUT') whose message starts with
   * the operation's name. Default 'strict'.
   */
  readonly errorContract: 'strict' | 'port';
  /** Told each judged comparison's `|actual - expected| / bound`, so a run can report its worst (optional). */
  readonly observe?: (ratio: number) => void;
}

export interface BackendProperty<Case = unknown> {
  /** Stable identifier: the regression file's name and the FC_PROPERTY value that selects it. */
  readonly id: string;
  readonly kind: PropertyKind;
  /** The law or contract, in words; printed with every failure. */
  readonly statement: string;
  readonly arbitrary: fc.Arbitrary<Case>;
  /**
   * The operations it calls. A backend lacking any of them gets 'not implemented' for this property
   * (never drawn from), unless `partial`: then it runs on those present, given at least one.
   */
  readonly uses: readonly OperationName[];
  /** Runs on whichever of `uses` are present (a contract over every operation, a conformance pair). Default false. */
  readonly partial?: boolean;
  /** Share of the suite's `numRuns` this property gets (expensive properties run fewer). Default 1. */
  readonly runsFactor?: number;
  /** Throws `PropertyViolation` (or the backend's own error) when the case breaks the property. */
  check(backend: Backend, c: Case, context: CheckContext): Promise<void>;
}

/** Identity, for type inference of a property's case type. */
export function defineProperty<Case>(property: BackendProperty<Case>): BackendProperty<Case> {
  return property;
}
