/**
 * A suite run as reports machines read: JSON (every property: status, cases, declined, the failure
 * and its counterexample) and JUnit XML (one testcase per property; not implemented and declined ones
 * are skipped, with why), and as a summary a person reads.
 */
import type { PropertyResult, PropertyStatus } from './suite.ts';

export interface SuiteReport {
  readonly backend: string;
  readonly seed: number;
  readonly numRuns: number;
  readonly date: string;
  /** How many properties ended in each status. */
  readonly summary: Record<PropertyStatus, number>;
  /** Whether the run passes: no 'failed' and no 'unexpected pass'. */
  readonly passed: boolean;
  readonly results: readonly PropertyResult[];
}

const STATUSES: readonly PropertyStatus[] = ['passed', 'failed', 'not implemented', 'declined', 'expected difference', 'unexpected pass'];

export function suiteReport(backend: string, seed: number, numRuns: number, results: readonly PropertyResult[]): SuiteReport {
  const summary = Object.fromEntries(STATUSES.map((s) => [s, results.filter((r) => r.status === s).length])) as Record<PropertyStatus, number>;
  return { backend, seed, numRuns, date: new Date().toISOString(), summary, passed: results.every((r) => r.passed), results };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML, as CI servers read it: a testsuite per backend, a testcase per property. */
export function junitXml(report: SuiteReport): string {
  const cases = report.results.map((r) => {
    const open = `    <testcase classname="${xml(report.backend)}" name="${xml(r.id)}" time="${(r.durationMs / 1000).toFixed(3)}">`;
    const detail = (r.error ?? '') + (r.counterexample !== undefined ? `\ncounterexample: ${JSON.stringify(r.counterexample)}` : '') + (r.replay ? `\nreplay: ${r.replay}` : '');
    if (!r.passed) return `${open}\n      <failure message="${xml(`${r.status}: ${(r.error ?? '').slice(0, 200)}`)}">${xml(detail)}</failure>\n    </testcase>`;
    if (r.status === 'not implemented') return `${open}\n      <skipped message="${xml(`not implemented: ${r.missing?.join(', ')}`)}"/>\n    </testcase>`;
    if (r.status === 'declined') return `${open}\n      <skipped message="${xml(r.error ?? 'declined')}"/>\n    </testcase>`;
    if (r.status === 'expected difference') return `${open}\n      <system-out>${xml(`differs as expected (${r.expectedReason}): ${detail}`)}</system-out>\n    </testcase>`;
    return `${open}</testcase>`;
  });
  const failures = report.summary.failed + report.summary['unexpected pass'];
  const skipped = report.summary['not implemented'] + report.summary.declined;
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
    const worst = r.worstRatio ? `, worst ${r.worstRatio === Infinity ? 'Infinity' : r.worstRatio.toPrecision(2)}x its bound` : '';
    // Drawn cases not run: declined by the backend (an option it cannot express), or calling an operation it lacks.
    const skipped = [r.unsupported ? `${r.unsupported} declined` : '', r.notImplemented ? `${r.notImplemented} skipped (an operation not implemented)` : ''].filter(Boolean).map((s) => `, ${s}`).join('');
    const counts = r.status === 'not implemented' ? `missing ${r.missing?.join(', ')}` : `${r.numRuns} cases${skipped}${worst}`;
    return `  ${r.id.padEnd(width)}  ${r.status.padEnd(19)}  ${counts}`;
  });
  const totals = STATUSES.filter((s) => report.summary[s] > 0).map((s) => `${report.summary[s]} ${s}`).join(', ');
  return [`backend ${report.backend} (seed ${report.seed}, ${report.numRuns} cases per property)`, ...lines, `${report.passed ? 'PASS' : 'FAIL'}: ${totals}`].join('\n');
}

/**
 * Joins the reports of shards of one run (`check --shard k/n` on several machines): the same backend,
 * seed and case count, each property once. Throws, saying which, when they do not fit together.
 */
export function mergeReports(reports: readonly SuiteReport[]): SuiteReport {
  if (reports.length === 0) throw new Error('merge: no reports given.');
  const [first] = reports;
  for (const r of reports) {
    if (r.backend !== first.backend || r.seed !== first.seed || r.numRuns !== first.numRuns) {
      throw new Error(`merge: the reports are of different runs (backend ${r.backend} seed ${r.seed} runs ${r.numRuns} vs backend ${first.backend} seed ${first.seed} runs ${first.numRuns}).`);
    }
  }
  const results = reports.flatMap((r) => r.results);
  const seen = new Set<string>();
  for (const r of results) {
    if (seen.has(r.id)) throw new Error(`merge: property ${r.id} is in more than one report (overlapping shards?).`);
    seen.add(r.id);
  }
  return suiteReport(first.backend, first.seed, first.numRuns, results);
}
