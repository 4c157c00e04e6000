/**
 * The suite runner: runs every property against any object that implements the backend interface
 * and returns one result per property. No test framework and no file system: vitest (properties/
 * vitestSuite.ts), scripts and a browser page all drive this same function.
 */
import fc from 'fast-check';
import { completeBackend, implementedOperations, isUnsupportedOption, NotImplementedError, overriding, OPERATION_NAMES, type OperationName, type PartialBackend } from '../kernels/backend.ts';
import { ALL_PROPERTIES } from './all.ts';
import type { PropertyViolation } from './compare.ts';
import type { BackendProperty, CheckContext, PropertyKind } from './property.ts';
import { encodeValue, type FailingCall } from './repro.ts';

/** Why a run can judge nothing (the command's summary and the vitest form say it, and fail). */
export const NOTHING_JUDGED = 'no property ran a case (the backend implements none of the operations they call, none was selected, or it declined every case)';

/** CI's fixed seed; FC_SEED overrides it. */
export const DEFAULT_SEED = 20261122;

export interface SuiteOptions {
  /** fast-check seed. Default DEFAULT_SEED. */
  readonly seed?: number;
  /** Generated cases per property (times each property's runsFactor). Default 25. */
  readonly numRuns?: number;
  /** Run only these property ids. Default all. */
  readonly only?: readonly string[];
  /** Run only these kinds. Default all; 'conformance' is never run on an `oracle` backend (the reference itself). */
  readonly kinds?: readonly PropertyKind[];
  /**
   * Judge only these operations, as if the backend lacked the others: a property that needs an
   * operation left out is 'not selected' (one the backend really lacks stays 'not implemented').
   * Every one must be implemented (runPropertySuite throws, naming it). Default: every operation.
   */
  readonly ops?: readonly OperationName[];
  /**
   * fast-check replay path (with `only` naming one property and the failing seed). A path addresses
   * the generated cases only: with it, the stored cases do not run.
   */
  readonly path?: string;
  /**
   * Stored counterexamples of a property, run before the generated cases (each once, as it is).
   * When one fails, the generated cases still run, so a failure fast-check can shrink is reported in
   * its smallest form beside it. Default none.
   */
  readonly regressionCases?: (propertyId: string) => readonly unknown[];
  /** Called with each newly found (shrunk) counterexample, e.g. to store it; never with a stored case. */
  readonly onCounterexample?: (propertyId: string, counterexample: unknown, result: PropertyResult) => void;
  /** Called after each property. */
  readonly onResult?: (result: PropertyResult) => void;
  /**
   * Properties this backend is known to fail, and why (ONNX's xfail, WebGPU CTS expectations): the run
   * passes when exactly these fail, and an entry whose property passes is reported as a failure
   * ('unexpected pass'), so stale entries show up. Default none.
   */
  readonly expectedDifferences?: readonly ExpectedDifference[];
  /** The bad-input contract's level (see `CheckContext`). Default 'strict'. */
  readonly errorContract?: CheckContext['errorContract'];
}

/** A property a backend is known to fail, with the reason (and where it is tracked). */
export interface ExpectedDifference {
  readonly property: string;
  readonly reason: string;
  readonly link?: string;
  /**
   * Only the cases this is true of (the property's case, as counterexamples print it) are expected
   * to fail; every other case is still judged, so the rest of the property keeps catching bugs. The
   * property is then an 'expected difference' when only such cases failed, 'failed' when another
   * case did, and an 'unexpected pass' when such cases ran and all passed. Default: the whole property.
   */
  readonly when?: (c: any) => boolean;
}

/**
 * - passed: every case held;
 * - failed: a case broke the property (the counterexample says which);
 * - not implemented: the backend lacks the operations the property needs (listed in `missing`);
 * - not selected: the backend has what the property needs, but `ops` left one of them out;
 * - declined: so many drawn cases were declined (UnsupportedOptionError, or an operation not implemented)
 *   that the run stopped short of its cases; those that ran passed;
 * - expected difference: failed, as an entry of `expectedDifferences` says it does;
 * - unexpected pass: passed, though an entry says it fails (the entry is stale).
 */
export type PropertyStatus = 'passed' | 'failed' | 'not implemented' | 'not selected' | 'declined' | 'expected difference' | 'unexpected pass';

export interface PropertyResult {
  readonly id: string;
  readonly kind: PropertyKind;
  readonly statement: string;
  readonly backend: string;
  readonly status: PropertyStatus;
  /** Whether the run may pass with this result: every status but 'failed' and 'unexpected pass'. */
  readonly passed: boolean;
  /** For 'not implemented': the operations the property needs that the backend lacks; for 'not selected', those `ops` left out. */
  readonly missing?: readonly string[];
  /** For 'expected difference' and 'unexpected pass': the entry's reason. */
  readonly expectedReason?: string;
  /** Cases run, stored regression cases included. */
  readonly numRuns: number;
  /** Cases the backend declined with UnsupportedOptionError. */
  readonly unsupported: number;
  /** Cases skipped because they called an operation the backend does not implement. */
  readonly notImplemented: number;
  /**
   * The worst `|actual - expected| / bound` of the conformance comparisons judged (<= 1 passes; 0 when
   * none, as for laws and contracts): how close to its error model the backend came. Infinity after a
   * structural or NaN mismatch.
   */
  readonly worstRatio?: number;
  readonly seed: number;
  /** For a failure: the shrunk case, the error, and how to replay it. */
  readonly counterexample?: unknown;
  /**
   * For a failure of a stored case: that case, when fast-check also found (and shrank) a failing
   * generated one, another, which is then the `counterexample`. Absent when the stored case is the counterexample.
   */
  readonly storedCounterexample?: unknown;
  readonly counterexamplePath?: string;
  readonly error?: string;
  /** For a failure: whether the property's check said so (a PropertyViolation), rather than the backend throwing. */
  readonly violation?: boolean;
  /** For a conformance failure: the one call that failed, with its concrete arguments (see properties/repro.ts). */
  readonly failingCall?: FailingCall;
  readonly replay?: string;
  readonly durationMs: number;
}

/** The properties `options` selects for `backend`. */
export function selectProperties(backend: Pick<PartialBackend, 'name' | 'oracle'>, options: SuiteOptions = {}): BackendProperty<unknown>[] {
  return ALL_PROPERTIES.filter(
    (p) =>
      (options.only === undefined || options.only.includes(p.id)) &&
      (options.kinds === undefined || options.kinds.includes(p.kind)) &&
      !(p.kind === 'conformance' && backend.oracle === true),
  );
}

/** The failing call a conformance violation carries, encoded (values, not a generator's seed). */
function failingCallOf(error: unknown): { failingCall?: FailingCall } {
  const call = (error as PropertyViolation | null)?.call;
  return call ? { failingCall: { op: call.op, args: encodeValue(call.args) } } : {};
}

/** The operations of `property.uses` that `backend` lacks, and whether it can run at all. */
function runnable(backend: PartialBackend, property: BackendProperty<unknown>): { ok: boolean; missing: string[] } {
  const implemented = implementedOperations(backend);
  const missing = property.uses.filter((op) => !implemented.includes(op));
  const ok = property.partial ? missing.length < property.uses.length || property.uses.length === 0 : missing.length === 0;
  return { ok, missing };
}

/** `backend` with only `ops` visible: the others read as missing. */
function restrictOperations(backend: PartialBackend, ops: readonly OperationName[]): PartialBackend {
  return overriding(backend, Object.fromEntries(OPERATION_NAMES.filter((op) => !ops.includes(op)).map((op) => [op, undefined])));
}

/** One case's outcome: it held (or was excused), or it was skipped (declined, or it called an operation not implemented). */
type CaseOutcome = 'held' | 'skipped';

/** Runs one property; never throws for a violation (the result says it), only for a broken setup. */
export async function runProperty(backend: PartialBackend, property: BackendProperty<unknown>, options: SuiteOptions = {}): Promise<PropertyResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const numRuns = Math.max(1, Math.round((options.numRuns ?? 25) * (property.runsFactor ?? 1)));
  const base = { id: property.id, kind: property.kind, statement: property.statement, backend: backend.name, seed };
  const judged = options.ops ? restrictOperations(backend, options.ops) : backend;
  const { ok, missing } = runnable(judged, property);
  if (!ok) {
    // Left out by `ops` where the whole backend could run it; else what the backend really lacks.
    const whole = runnable(backend, property);
    const status = whole.ok ? 'not selected' : 'not implemented';
    const leftOut = missing.filter((op) => !whole.missing.includes(op));
    return { ...base, status, passed: true, missing: whole.ok ? leftOut : whole.missing, numRuns: 0, unsupported: 0, notImplemented: 0, durationMs: 0 };
  }
  const complete = completeBackend(judged);
  let worstRatio = 0;
  const context: CheckContext = { errorContract: options.errorContract ?? 'strict', observe: (ratio) => { if (ratio > worstRatio) worstRatio = ratio; } };
  let unsupported = 0;
  let notImplemented = 0;
  const entries = options.expectedDifferences?.filter((d) => d.property === property.id) ?? [];
  const expected = entries.find((d) => !d.when) ?? entries[0];
  // Entries with a case predicate excuse only their cases: those run, and their failures are counted, not thrown.
  const excuses = entries.some((d) => !d.when) ? [] : entries.map((d) => d.when!);
  const excused = { matched: 0, failed: 0, error: undefined as string | undefined, case: undefined as unknown, thrown: undefined as unknown };
  /** One case: throws its failure; a failure its expected difference excuses is counted instead. */
  const runCase = async (c: unknown): Promise<CaseOutcome> => {
    const isExcused = excuses.some((when) => {
      try {
        return when(c);
      } catch (error) {
        throw new Error(`the \`when\` of ${property.id}'s expected difference threw on the case ${JSON.stringify(c)}: ${(error as Error).message}. A case looks like the counterexamples this property prints.`);
      }
    });
    if (isExcused) excused.matched++;
    try {
      await property.check(complete, c, context);
    } catch (error) {
      if (error instanceof NotImplementedError) {
        notImplemented++;
        return 'skipped';
      }
      if (isUnsupportedOption(error)) {
        unsupported++;
        return 'skipped';
      }
      if (isExcused) {
        excused.failed++;
        if (excused.failed === 1) Object.assign(excused, { error: error instanceof Error ? error.message : String(error), case: c, thrown: error });
        return 'held';
      }
      throw error;
    }
    return 'held';
  };
  const started = performance.now();
  // The stored cases first, each as it is (a replayed path addresses generated cases only).
  const stored = options.path ? [] : options.regressionCases?.(property.id) ?? [];
  let storedRuns = 0;
  let storedFailure: { case: unknown; error: unknown } | undefined;
  for (const c of stored) {
    try {
      if ((await runCase(c)) === 'held') storedRuns++;
    } catch (error) {
      storedRuns++;
      storedFailure = { case: c, error };
      break;
    }
  }
  // Then the generated ones, even after a stored case failed: fast-check shrinks what it finds (a
  // smaller repro). Not when that failure decides the property: one expected to differ as a whole.
  // A case declined is redrawn, up to 10 times per case: a backend declining everything stops early.
  const decided = storedFailure !== undefined && expected !== undefined && excuses.length === 0;
  const details = decided ? undefined : await fc.check(
    fc.asyncProperty(property.arbitrary, async (c) => {
      if ((await runCase(c)) === 'skipped') fc.pre(false);
    }),
    { seed, numRuns, ...(options.path ? { path: options.path } : {}), maxSkipsPerRun: 10 },
  );
  // fast-check fails without a counterexample when it gave up: too many cases skipped (declined).
  const found = details?.failed && details.counterexample ? { case: details.counterexample[0], error: details.errorInstance, path: details.counterexamplePath ?? undefined } : undefined;
  const gaveUp = details?.failed === true && !found;
  const whole = runnable(backend, property).missing; // what the backend lacks, not what `ops` left out
  const counts = { numRuns: storedRuns + (details?.numRuns ?? 0), unsupported, notImplemented, worstRatio, durationMs: performance.now() - started, ...(whole.length ? { missing: whole } : {}) };
  const because = expected ? { expectedReason: expected.reason + (expected.link ? ` (${expected.link})` : '') } : {};
  if (!found && !storedFailure && !gaveUp) {
    if (!expected) return { ...base, ...counts, status: 'passed', passed: true };
    if (excuses.length > 0) {
      if (excused.failed > 0) {
        const error = `${excused.failed} of the ${excused.matched} cases its entry excuses failed, every other case passed; the first: ${excused.error}`;
        return { ...base, ...counts, ...because, status: 'expected difference', passed: true, error, counterexample: excused.case, ...failingCallOf(excused.thrown) };
      }
      if (excused.matched === 0) return { ...base, ...counts, status: 'passed', passed: true };
    }
    const which = excuses.length > 0 ? `all ${excused.matched} cases its entry excuses passed` : 'every case passed';
    const error = `expected to differ (${because.expectedReason}), but ${which}: remove the entry from the expected differences, or narrow it`;
    return { ...base, ...counts, ...because, status: 'unexpected pass', passed: false, error };
  }
  if (!found && !storedFailure && unsupported + notImplemented > 0) {
    const ran = counts.numRuns === 0 ? 'no case ran' : `only ${counts.numRuns} of ${stored.length + numRuns} cases ran, and passed`;
    return { ...base, ...counts, status: 'declined', passed: true, error: `${ran}: ${unsupported} drawn cases declined, ${notImplemented} called operations not implemented` };
  }
  // The generated failure where there is one (shrunk: the smallest repro), with the stored case it echoes beside it.
  const failure = found ?? storedFailure ?? { case: undefined, error: details?.errorInstance ?? 'no case could be generated' };
  const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
  const result: PropertyResult = {
    ...base,
    ...counts,
    ...because,
    // With case predicates, a failure reaching here is on a case none of them excuses.
    status: expected && excuses.length === 0 ? 'expected difference' : 'failed',
    passed: Boolean(expected) && excuses.length === 0,
    counterexample: failure.case,
    ...(found && storedFailure && JSON.stringify(storedFailure.case) !== JSON.stringify(found.case) ? { storedCounterexample: storedFailure.case } : {}),
    ...(found?.path ? { counterexamplePath: found.path } : {}),
    error: message,
    violation: (failure.error as { name?: string } | null)?.name === 'PropertyViolation',
    ...failingCallOf(failure.error),
    // The library's own replay; the command and the vitest form print theirs instead. A stored case
    // replays without a path (the stored cases run first).
    replay: `runPropertySuite(backend, { only: ['${property.id}'], seed: ${seed}${found ? `, path: '${found.path ?? ''}'` : ''} })`,
  };
  // Only what fast-check found is new: a stored case is stored already.
  if (found && !result.passed) options.onCounterexample?.(property.id, found.case, result);
  return result;
}

/** Runs every selected property against `backend`, one after another. */
export async function runPropertySuite(backend: PartialBackend, options: SuiteOptions = {}): Promise<PropertyResult[]> {
  const known = ALL_PROPERTIES.map((p) => p.id);
  const unknown = (options.expectedDifferences ?? []).filter((d) => !known.includes(d.property)).map((d) => d.property);
  if (unknown.length) throw new Error(`expectedDifferences names no property of the suite: ${unknown.join(', ')}. Known: ${known.join(', ')}.`);
  assertSelectable(backend, options.ops);
  const results: PropertyResult[] = [];
  for (const property of selectProperties(backend, options)) {
    const result = await runProperty(backend, property, options);
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}

/**
 * `ops` names only operations `backend` implements: judging an operation it lacks would pass having
 * judged nothing. Throws, naming them and what it has.
 */
export function assertSelectable(backend: PartialBackend, ops: readonly string[] | undefined): void {
  if (ops === undefined) return;
  const unknown = ops.filter((op) => !(OPERATION_NAMES as readonly string[]).includes(op));
  if (unknown.length) throw new Error(`ops: unknown operation(s) ${unknown.join(', ')}. Known: ${OPERATION_NAMES.join(', ')}.`);
  const implemented = implementedOperations(backend);
  const lacking = ops.filter((op) => !(implemented as readonly string[]).includes(op));
  if (lacking.length) {
    throw new Error(
      `ops: backend '${backend.name}' does not implement ${lacking.join(', ')}, so nothing would judge ${lacking.length === 1 ? 'it' : 'them'}. ` +
        `It implements: ${implemented.join(', ') || 'none'}. Fix: leave ${lacking.length === 1 ? 'it' : 'them'} out of the selection, or implement ${lacking.length === 1 ? 'it' : 'them'}.`,
    );
  }
}

/** A failure as a person reads it: the law, the shrunk case, the error, the replay command. */
export function describeFailure(r: PropertyResult): string {
  return [
    `${r.id} ${r.status === 'unexpected pass' ? 'passed unexpectedly' : r.status === 'expected difference' ? 'differs, as expected,' : 'failed'} on backend '${r.backend}': ${r.statement}`,
    `  error: ${r.error}`,
    ...(r.counterexample !== undefined ? [`  counterexample: ${JSON.stringify(r.counterexample)}`] : []),
    ...(r.storedCounterexample !== undefined ? [`  a stored case failed too: ${JSON.stringify(r.storedCounterexample)}`] : []),
    ...(r.replay !== undefined ? [`  replay: ${r.replay}`] : []),
  ].join('\n');
}
