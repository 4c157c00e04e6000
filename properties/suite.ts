/**
 * The suite runner: runs every property against any object that implements the backend interface
 * and returns one result per property. No test framework and no file system: vitest (properties/
 * vitestSuite.ts), scripts and a browser page all drive this same function.
 */
import fc from 'fast-check';
import { UnsupportedOptionError, type Backend } from '../kernels/backend';
import { ALL_PROPERTIES } from './all';
import type { BackendProperty, PropertyKind } from './property';

/** CI's fixed seed; FC_SEED overrides it. */
export const DEFAULT_SEED = 20261122;

export interface SuiteOptions {
  /** fast-check seed. Default DEFAULT_SEED. */
  readonly seed?: number;
  /** Generated cases per property (times each property's runsFactor). Default 25. */
  readonly numRuns?: number;
  /** Run only these property ids. Default all. */
  readonly only?: readonly string[];
  /** Run only these kinds. Default all; 'conformance' is never run on a backend named 'reference'. */
  readonly kinds?: readonly PropertyKind[];
  /** fast-check replay path (with `only` naming one property and the failing seed). */
  readonly path?: string;
  /** Stored counterexamples of a property, run before the generated cases. Default none. */
  readonly regressionCases?: (propertyId: string) => readonly unknown[];
  /** Called with each newly found (shrunk) counterexample, e.g. to store it. */
  readonly onCounterexample?: (propertyId: string, counterexample: unknown, result: PropertyResult) => void;
  /** Called after each property. */
  readonly onResult?: (result: PropertyResult) => void;
}

export interface PropertyResult {
  readonly id: string;
  readonly kind: PropertyKind;
  readonly statement: string;
  readonly backend: string;
  readonly passed: boolean;
  /** Cases run, stored regression cases included. */
  readonly numRuns: number;
  /** Cases the backend declined with UnsupportedOptionError. */
  readonly unsupported: number;
  readonly seed: number;
  /** For a failure: the shrunk case, the error, and how to replay it. */
  readonly counterexample?: unknown;
  readonly counterexamplePath?: string;
  readonly error?: string;
  readonly replay?: string;
  readonly durationMs: number;
}

/** The properties `options` selects for `backend`. */
export function selectProperties(backend: Pick<Backend, 'name'>, options: SuiteOptions = {}): BackendProperty<unknown>[] {
  return ALL_PROPERTIES.filter(
    (p) =>
      (options.only === undefined || options.only.includes(p.id)) &&
      (options.kinds === undefined || options.kinds.includes(p.kind)) &&
      !(p.kind === 'conformance' && backend.name === 'reference'),
  );
}

/** Runs one property; never throws for a violation (the result says it), only for a broken setup. */
export async function runProperty(backend: Backend, property: BackendProperty<unknown>, options: SuiteOptions = {}): Promise<PropertyResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const numRuns = Math.max(1, Math.round((options.numRuns ?? 25) * (property.runsFactor ?? 1)));
  const examples = (options.regressionCases?.(property.id) ?? []).map((c) => [c] as [unknown]);
  let unsupported = 0;
  const started = performance.now();
  const details = await fc.check(
    fc.asyncProperty(property.arbitrary, async (c) => {
      try {
        await property.check(backend, c);
      } catch (error) {
        if (error instanceof UnsupportedOptionError) {
          unsupported++;
          fc.pre(false);
        }
        throw error;
      }
    }),
    { seed, numRuns, examples, ...(options.path ? { path: options.path } : {}), maxSkipsPerRun: 1000 },
  );
  const base = {
    id: property.id, kind: property.kind, statement: property.statement, backend: backend.name,
    numRuns: details.numRuns, unsupported, seed, durationMs: performance.now() - started,
  };
  if (!details.failed) return { ...base, passed: true };
  const counterexample = details.counterexample?.[0];
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance ?? 'no case could be generated');
  const result: PropertyResult = {
    ...base,
    passed: false,
    counterexample,
    counterexamplePath: details.counterexamplePath ?? undefined,
    error,
    replay: `FC_PROPERTY=${property.id} FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath ?? ''} FC_BACKENDS=${backend.name} npm test -- properties`,
  };
  if (counterexample !== undefined) options.onCounterexample?.(property.id, counterexample, result);
  return result;
}

/** Runs every selected property against `backend`, one after another. */
export async function runPropertySuite(backend: Backend, options: SuiteOptions = {}): Promise<PropertyResult[]> {
  const results: PropertyResult[] = [];
  for (const property of selectProperties(backend, options)) {
    const result = await runProperty(backend, property, options);
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}

/** A failure as a person reads it: the law, the shrunk case, the error, the replay command. */
export function describeFailure(r: PropertyResult): string {
  return [
    `${r.id} failed on backend '${r.backend}': ${r.statement}`,
    `  error: ${r.error}`,
    `  counterexample: ${JSON.stringify(r.counterexample)}`,
    `  replay: ${r.replay}`,
  ].join('\n');
}
