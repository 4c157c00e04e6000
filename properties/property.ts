/**
 * A property of the suite: a generator of cases and a check of one case against a backend.
 * Cases are plain JSON (shapes, options and a seed for the values), so a counterexample can be stored
 * under `fixtures/regressions/` and replayed on every run.
 */
import type fc from 'fast-check';
import type { Backend } from '../kernels/backend';

export type PropertyKind =
  /** Kernel equals reference within the error model. Skipped for the reference backend itself. */
  | 'conformance'
  /** A law of the chapter; holds on the reference and on every backend. */
  | 'law'
  /** The backend contract (determinism, the same errors as the reference); every backend. */
  | 'contract';

export interface BackendProperty<Case = unknown> {
  /** Stable identifier: the regression file's name and the FC_PROPERTY value that selects it. */
  readonly id: string;
  readonly kind: PropertyKind;
  /** The law or contract, in words; printed with every failure. */
  readonly statement: string;
  readonly arbitrary: fc.Arbitrary<Case>;
  /** Share of the suite's `numRuns` this property gets (expensive properties run fewer). Default 1. */
  readonly runsFactor?: number;
  /** Throws `PropertyViolation` (or the backend's own error) when the case breaks the property. */
  check(backend: Backend, c: Case): Promise<void>;
}

/** Identity, for type inference of a property's case type. */
export function defineProperty<Case>(property: BackendProperty<Case>): BackendProperty<Case> {
  return property;
}
