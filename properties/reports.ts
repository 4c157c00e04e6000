/**
 * A suite run as reports machines read: JSON (every property: status, cases, declined, the failure
 * and its counterexample) and JUnit XML (one testcase per property; not implemented and declined ones
 * are skipped, with why), and as a summary a person reads.
 */
import type { OperationName } from '../kernels/backend.ts';
import { ALL_PROPERTIES } from './all.ts';
import { FAMILIES } from './operations/index.ts';
import { NOTHING_JUDGED, type PropertyResult, type PropertyStatus } from './suite.ts';

export interface SuiteReport {
  readonly backend: string;
  readonly seed: number;
  readonly numRuns: number;
  readonly date: string;
  /** How many properties ended in each status. */
  readonly summary: Record<PropertyStatus, number>;
  /**
   * Whether the run passes: no 'failed', no 'unexpected pass', and at least one case ran (a run that
   * judged nothing, e.g. of a backend implementing none of the operations, does not pass; a shard may).
   */
  readonly passed: boolean;
  /** Properties that ran at least one case. */
  readonly judged: number;
  readonly results: readonly PropertyResult[];
  /** The operations the backend implements (when the run knew them). */
  readonly implemented?: readonly OperationName[];
  /** The operations the run judged, when it was told to judge only some (`--ops`). */
  readonly selected?: readonly OperationName[];
  /** Per operation, by family: what its conformance properties found (when `implemented` is known). */
  readonly operations?: readonly OperationStatus[];
}

/**
 * One operation's verdict: 'not implemented'; 'not selected' (implemented, but the run judged only
 * others); or, from the conformance properties that judge it in
 * this report: 'failed' if one failed (or passed against an expected difference), 'expected
 * difference', 'declined' if every one declined, else 'passed'; 'not run' when none of them ran
 * (another shard's, or left out with --property).
 */
export interface OperationStatus {
  readonly op: OperationName;
  readonly family: string;
  readonly status: 'passed' | 'failed' | 'not implemented' | 'not selected' | 'declined' | 'expected difference' | 'not run';
  /** The conformance properties that judge it. */
  readonly properties: readonly string[];
}

const STATUSES: readonly PropertyStatus[] = ['passed', 'failed', 'not implemented', 'not selected', 'declined', 'expected difference', 'unexpected pass'];

/** The per-operation table, from the registry's families and the conformance properties' results. */
export function operationTable(implemented: readonly OperationName[], results: readonly PropertyResult[], selected?: readonly OperationName[]): OperationStatus[] {
  const judges = ALL_PROPERTIES.filter((p) => p.kind === 'conformance');
  return FAMILIES.flatMap((family) => (Object.keys(family.operations) as OperationName[]).map((op): OperationStatus => {
    const properties = judges.filter((p) => p.uses.includes(op)).map((p) => p.id);
    // A failure (or an expected difference) whose failing call is known counts against that call's
    // operation only (the NaN property judges conv and pools). For the others: an expected difference
    // ran every case (its entry excused the failures), so they passed; a failure stopped the run, so
    // it says nothing of them.
    const blamed = (r: PropertyResult) => !r.failingCall || r.failingCall.op === op;
    const ran = results.filter((r) => properties.includes(r.id) && (r.passed && r.status !== 'expected difference' || blamed(r) || r.status === 'expected difference'))
      .map((r) => (r.status === 'expected difference' && !blamed(r) ? { ...r, status: 'passed' as const } : r));
    const status = !implemented.includes(op) ? 'not implemented'
      : selected && !selected.includes(op) ? 'not selected'
      : ran.length === 0 ? 'not run'
        : ran.some((r) => !r.passed) ? 'failed'
          : ran.some((r) => r.status === 'expected difference') ? 'expected difference'
            : ran.every((r) => r.status === 'declined') ? 'declined' : 'passed';
    return { op, family: family.name, status, properties };
  }));
}

export interface ReportScope {
  /** The operations the backend implements. */
  readonly implemented?: readonly OperationName[];
  /** The operations the run was told to judge (`--ops`). Default all. */
  readonly selected?: readonly OperationName[];
  /** A shard of a run: it may judge nothing (the merged report may not). Default false. */
  readonly shard?: boolean;
}

export function suiteReport(backend: string, seed: number, numRuns: number, results: readonly PropertyResult[], scope: ReportScope = {}): SuiteReport {
  const { implemented, selected, shard = false } = scope;
  const summary = Object.fromEntries(STATUSES.map((s) => [s, results.filter((r) => r.status === s).length])) as Record<PropertyStatus, number>;
  const operations = implemented ? { implemented, operations: operationTable(implemented, results, selected) } : {};
  const judged = results.filter((r) => r.numRuns > 0).length;
  const passed = results.every((r) => r.passed) && (judged > 0 || shard);
  return { backend, seed, numRuns, date: new Date().toISOString(), summary, passed, judged, results, ...(selected ? { selected } : {}), ...operations };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML, as CI servers read it: a testsuite per backend, a testcase per property. */
export function junitXml(report: SuiteReport): string {
  const cases = report.results.map((r) => {
    const open = `    <testcase classname="${xml(report.backend)}" name="${xml(r.id)}" time="${(r.durationMs / 1000).toFixed(3)}">`;
    const detail = (r.error ?? '') + (r.counterexample !== undefined ? `\ncounterexample: ${JSON.stringify(r.counterexample)}` : '') + (r.replay ? `\nreplay: ${r.replay}` : '');
    if (!r.passed) return `${open}\n      <failure message="${xml(`${r.status}: ${(r.error ?? '').slice(0, 200)}`)}">${xml(detail)}</failure>\n    </testcase>`;
    if (r.status === 'not implemented') return `${open}\n      <skipped message="${xml(`not implemented: ${r.missing?.join(', ')}`)}"/>\n    </testcase>`;
    if (r.status === 'not selected') return `${open}\n      <skipped message="${xml(`not selected: needs ${r.missing?.join(', ')}, left out of the run's operations`)}"/>\n    </testcase>`;
    if (r.status === 'declined') return `${open}\n      <skipped message="${xml(r.error ?? 'declined')}"/>\n    </testcase>`;
    if (r.status === 'expected difference') return `${open}\n      <system-out>${xml(`differs as expected (${r.expectedReason}): ${detail}`)}</system-out>\n    </testcase>`;
    return `${open}</testcase>`;
  });
  const failures = report.summary.failed + report.summary['unexpected pass'];
  const skipped = report.summary['not implemented'] + (report.summary['not selected'] ?? 0) + report.summary.declined;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="d2l-convnet-harness" tests="${report.results.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="${xml(report.backend)}" tests="${report.results.length}" failures="${failures}" skipped="${skipped}" timestamp="${report.date}">`,
    `    <properties><property name="seed" value="${report.seed}"/><property name="numRuns" value="${report.numRuns}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** A line per property and the totals. */
export function formatSummary(report: SuiteReport): string {
  const width = Math.max(...report.results.map((r) => r.id.length));
  const lines = report.results.map((r) => {
    const worst = !r.worstRatio ? '' : r.worstRatio === Infinity ? ', worst: a structural mismatch (shape, type or NaN)' : `, worst ${r.worstRatio.toPrecision(2)}x its bound`;
    // Drawn cases not run: declined by the backend (an option it cannot express), or calling an operation it lacks.
    const skipped = [r.unsupported ? `${r.unsupported} declined` : '', r.notImplemented ? `${r.notImplemented} skipped (an operation not implemented)` : ''].filter(Boolean).map((s) => `, ${s}`).join('');
    const counts = r.status === 'not implemented' ? `missing ${r.missing?.join(', ')}`
      : r.status === 'not selected' ? `needs ${r.missing?.join(', ')}`
      : `${r.numRuns} case${r.numRuns === 1 ? '' : 's'}${skipped}${worst}`;
    return `  ${r.id.padEnd(width)}  ${r.status.padEnd(19)}  ${counts}`;
  });
  const totals = STATUSES.filter((s) => report.summary[s] > 0).map((s) => `${report.summary[s]} ${s}`).join(', ');
  const selection = report.selected ? `, judging only ${report.selected.join(', ')}` : '';
  const nothing = report.judged === 0 && !report.passed && report.results.every((r) => r.passed)
    ? [`nothing was judged: ${NOTHING_JUDGED}`] : [];
  return [`backend ${report.backend} (seed ${report.seed}, ${report.numRuns} cases per property${selection})`, ...lines, ...operationLines(report), ...nothing, `${report.passed ? 'PASS' : 'FAIL'}: ${totals}`].join('\n');
}

/** The per-operation table, a line per family. */
function operationLines(report: SuiteReport): string[] {
  if (!report.operations || !report.implemented) return [];
  const width = Math.max(...FAMILIES.map((f) => f.name.length));
  return [
    `operations (${report.implemented.length} of ${report.operations.length} implemented):`,
    ...FAMILIES.map((f) => {
      const ops = report.operations!.filter((o) => o.family === f.name);
      const statuses = [...new Set(ops.map((o) => o.status))];
      return `  ${f.name.padEnd(width)}  ${statuses.map((status) => `${status}: ${ops.filter((o) => o.status === status).map((o) => o.op).join(', ')}`).join('; ')}`;
    }),
  ];
}

/**
 * Joins the reports of shards of one run (`check --shard k/n` on several machines): the same backend,
 * seed and case count, each property once. Throws, saying which, when they do not fit together.
 */
export function mergeReports(reports: readonly SuiteReport[]): SuiteReport {
  if (reports.length === 0) throw new Error('merge: no reports given.');
  const [first] = reports;
  for (const r of reports) {
    if (r.backend !== first.backend || r.seed !== first.seed || r.numRuns !== first.numRuns || String(r.selected ?? '') !== String(first.selected ?? '')) {
      const ops = (x: SuiteReport) => (x.selected ? ` ops ${x.selected.join(',')}` : '');
      throw new Error(`merge: the reports are of different runs (backend ${r.backend} seed ${r.seed} runs ${r.numRuns}${ops(r)} vs backend ${first.backend} seed ${first.seed} runs ${first.numRuns}${ops(first)}).`);
    }
  }
  const results = reports.flatMap((r) => r.results);
  const seen = new Set<string>();
  for (const r of results) {
    if (seen.has(r.id)) throw new Error(`merge: property ${r.id} is in more than one report (overlapping shards?).`);
    seen.add(r.id);
  }
  return suiteReport(first.backend, first.seed, first.numRuns, results, { implemented: first.implemented, selected: first.selected });
}
