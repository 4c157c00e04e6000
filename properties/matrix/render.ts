/**
 * The conformance matrix as people and machines read it: JSON (every cell, every runtime's suite
 * report), a Markdown table (for the README), and a page (HTML with an inline SVG grid, no server).
 * Rows are operation × option family, columns are runtimes; each difference is listed with its
 * explanation and its confirmed repro.
 */
import { MATRIX_COLUMNS, MATRIX_OPERATIONS } from './cells.ts';
import type { CellResult, RuntimeResult } from './run.ts';

export interface MatrixReport {
  readonly version: 1;
  readonly date: string;
  /** The machine it ran on (two machines' matrices are compared by these files). */
  readonly machine: { readonly node: string; readonly platform: string; readonly cpus: number; readonly cpu: string };
  readonly seed: number;
  readonly numRuns: number;
  readonly suiteRuns: number;
  readonly columns: typeof MATRIX_COLUMNS;
  readonly runtimes: readonly RuntimeResult[];
}

/** A difference of the matrix, numbered in reading order (runtime, then row). */
export interface Difference {
  readonly n: number;
  readonly runtime: string;
  readonly cell: CellResult;
}

const ran = (report: MatrixReport) => report.runtimes.filter((r) => !r.unavailable);
const cellOf = (r: RuntimeResult, op: string, column: string) => r.cells.find((c) => c.op === op && c.column === column);
/** The rows that have a cell on some runtime: operation × column. */
function rows(report: MatrixReport): { op: string; column: (typeof MATRIX_COLUMNS)[number] }[] {
  return MATRIX_OPERATIONS.flatMap((op) => MATRIX_COLUMNS.filter((column) => ran(report).some((r) => cellOf(r, op, column.id))).map((column) => ({ op, column })));
}

export function differences(report: MatrixReport): Difference[] {
  let n = 0;
  return ran(report).flatMap((r) => rows(report).flatMap(({ op, column }) => {
    const cell = cellOf(r, op, column.id);
    return cell?.verdict === 'differs' ? [{ n: ++n, runtime: r.name, cell }] : [];
  }));
}

const ratio = (x: number) => (x === Infinity ? '∞' : x >= 10 ? x.toFixed(0) : x >= 0.1 ? x.toFixed(2) : x.toExponential(0));
/** A repro is confirmed when it failed on the runtime and passed on the float32 reference. */
export const confirmed = (c: CellResult) => Boolean(c.repro?.failsOnRuntime && c.repro.passesOnReference);
const firstLine = (s: string | undefined) => (s ?? '').split('\n')[0].replace(/\|/g, '\\|').slice(0, 240);

/**
 * Markdown: the table, the differences, the other operations, the runtimes that did not run.
 * `linkBase` prefixes repro links (e.g. 'docs/matrix/'); `compact` (the README's) groups the
 * differences by runtime and explanation and leaves the suite's reasons to matrix.md.
 */
export function matrixMarkdown(report: MatrixReport, options: { linkBase?: string; compact?: boolean } = {}): string {
  const linkBase = options.linkBase ?? '';
  const runtimes = ran(report);
  const diffs = differences(report);
  const number = new Map(diffs.map((d) => [`${d.runtime}|${d.cell.op}|${d.cell.column}`, d.n]));
  const mark = (r: RuntimeResult, op: string, column: string): string => {
    const c = cellOf(r, op, column);
    if (!c) return '';
    if (c.verdict === 'passes') return `✓ ${ratio(c.worstRatio)}${c.declined ? '*' : ''}`;
    if (c.verdict === 'differs') return `**✗ [${number.get(`${r.name}|${op}|${column}`)}](#matrix-difference-${number.get(`${r.name}|${op}|${column}`)})**`;
    return c.verdict === 'not supported' ? 'unsupported' : 'n/i';
  };
  const lines = [
    `| operation | option family | ${runtimes.map((r) => r.name).join(' | ')} |`,
    `|---|---|${runtimes.map(() => '---').join('|')}|`,
    ...rows(report).map(({ op, column }) => `| ${op} | ${column.title} | ${runtimes.map((r) => mark(r, op, column.id)).join(' | ')} |`),
    `| **differences** | | ${runtimes.map((r) => `**${r.cells.filter((c) => c.verdict === 'differs').length}**`).join(' | ')} |`,
    '',
    `✓ passes, with the worst |actual − reference| / bound over ${report.numRuns} cases (≤ 1 passes; * some cases declined); ✗ differs (below);`,
    'unsupported: the runtime declined every case; n/i: no such operation; blank: the option does not apply.',
    `Seed ${report.seed}; ${report.machine.cpu}, Node ${report.machine.node}; ${report.date.slice(0, 10)}.`,
    '',
  ];
  if (diffs.length) {
    lines.push('Differences (each repro was run: it fails on the runtime and passes on a float32 reference):', '');
    const title = (c: CellResult) => MATRIX_COLUMNS.find((x) => x.id === c.column)?.title ?? c.column;
    const why = (c: CellResult) => c.explanation ?? `unexplained: ${firstLine(c.error)}`;
    const repro = (c: CellResult) => (c.repro ? `[repro](${linkBase}${c.repro.script})${confirmed(c) ? '' : ' (NOT confirmed)'}` : '(no repro: no failing call)');
    if (options.compact) {
      // One line per runtime and explanation: the cells it explains, each with its number and repro.
      for (const runtime of [...new Set(diffs.map((d) => d.runtime))]) {
        const mine = diffs.filter((d) => d.runtime === runtime);
        for (const reason of [...new Set(mine.map((d) => why(d.cell)))]) {
          const group = mine.filter((d) => why(d.cell) === reason);
          const anchors = group.map((d) => `<a id="matrix-difference-${d.n}"></a>`).join('');
          lines.push(`- ${anchors}**${runtime}**, ${group.map((d) => `${d.cell.op} ${title(d.cell)} (${d.n}, ${repro(d.cell)})`).join('; ')}: ${reason}.`);
        }
      }
    } else {
      for (const d of diffs) lines.push(`${d.n}. <a id="matrix-difference-${d.n}"></a>**${d.runtime}**, ${d.cell.op}, ${title(d.cell)}: ${why(d.cell)}. ${repro(d.cell)}`);
    }
    lines.push('');
  }
  lines.push(...otherOperationsMarkdown(report, !options.compact), '');
  const missing = report.runtimes.filter((r) => r.unavailable);
  if (missing.length) lines.push(`Not run here: ${missing.map((r) => `${r.name} (${r.unavailable})`).join('; ')}.`, '');
  const stale = runtimes.flatMap((r) => r.cells.filter((c) => c.stale).map((c) => `${r.name} ${c.op} ${c.column}`));
  if (stale.length) lines.push(`Explanations whose cell now passes (stale): ${stale.join('; ')}.`, '');
  return lines.join('\n');
}

const SUITE_MARK: Record<string, string> = { passed: '✓', 'expected difference': '✗ (expected)', failed: '✗ FAILED', 'not implemented': 'n/i', declined: 'unsupported', 'not run': '' };

/** The operations outside the matrix's rows, as each runtime's suite run judged them (its per-operation table). */
function otherOperationsMarkdown(report: MatrixReport, withReasons: boolean): string[] {
  const runtimes = ran(report).filter((r) => r.suite?.operations);
  if (runtimes.length === 0) return [];
  const ops = [...new Set(runtimes.flatMap((r) => r.suite!.operations!.map((o) => o.op)))].filter((op) => !(MATRIX_OPERATIONS as readonly string[]).includes(op));
  const reasons = runtimes.flatMap((r) => r.suite!.results.filter((x) => x.status === 'expected difference' || x.status === 'failed').map((x) => `**${r.name}** \`${x.id}\`: ${firstLine(x.expectedReason ?? x.error)}`));
  return [
    `The other operations, as each runtime's suite run judged them (${report.suiteRuns} cases per property; the reports are in \`reports/\`):`,
    '',
    `| operation | ${runtimes.map((r) => r.name).join(' | ')} |`,
    `|---|${runtimes.map(() => '---').join('|')}|`,
    ...ops.map((op) => `| ${op} | ${runtimes.map((r) => SUITE_MARK[r.suite!.operations!.find((o) => o.op === op)?.status ?? 'not run']).join(' | ')} |`),
    '',
    ...(reasons.length && withReasons ? ['Where a suite property differs:', '', ...reasons.map((x) => `- ${x}`)] : []),
    ...(reasons.length && !withReasons ? ['Why each suite property differs: `docs/matrix/matrix.md`.'] : []),
  ];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS: Record<string, string> = { passes: '#2ca02c', differs: '#d62728', 'not supported': '#bbbbbb', 'not implemented': '#eeeeee' };

/** The page: an SVG grid (hover a cell for its verdict; a difference links to its entry), then the differences. */
export function matrixHtml(report: MatrixReport): string {
  const runtimes = ran(report);
  const grid = rows(report);
  const diffs = differences(report);
  const size = 22;
  const left = 300;
  const top = 150;
  const width = left + runtimes.length * size + 20;
  const height = top + grid.length * size + 10;
  const svg: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">`];
  runtimes.forEach((r, i) => svg.push(`<text transform="translate(${left + i * size + size / 2 + 4},${top - 6}) rotate(-60)">${esc(r.name)}</text>`));
  grid.forEach(({ op, column }, j) => {
    const y = top + j * size;
    if (j === 0 || grid[j - 1].op !== op) svg.push(`<line x1="0" x2="${width}" y1="${y}" y2="${y}" stroke="#999"/>`, `<text x="0" y="${y + 15}" font-weight="bold">${esc(op)}</text>`);
    svg.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(column.title)}</text>`);
    runtimes.forEach((r, i) => {
      const c = cellOf(r, op, column.id);
      if (!c) return;
      const d = diffs.find((x) => x.runtime === r.name && x.cell === c);
      const title = `${r.name} · ${op} · ${column.title}: ${c.verdict}${c.verdict === 'passes' ? `, worst ratio ${ratio(c.worstRatio)} over ${c.cases} cases` : ''}${d ? ` (#${d.n}) ${c.explanation ?? firstLine(c.error)}` : ''}`;
      const rect = `<rect x="${left + i * size + 1}" y="${y + 1}" width="${size - 2}" height="${size - 2}" rx="3" fill="${COLORS[c.verdict]}"><title>${esc(title)}</title></rect>`;
      svg.push(d ? `<a href="#d${d.n}">${rect}<text x="${left + i * size + size / 2}" y="${y + 15}" text-anchor="middle" fill="#fff" pointer-events="none">${d.n}</text></a>` : rect);
    });
  });
  svg.push('</svg>');
  const items = diffs.map(({ n, runtime, cell: c }) => `<li id="d${n}" value="${n}"><b>${esc(runtime)}</b>, ${esc(c.op)}, ${esc(MATRIX_COLUMNS.find((x) => x.id === c.column)?.title ?? c.column)}: ${esc(c.explanation ?? `unexplained: ${firstLine(c.error)}`)}
<br><small>${esc(firstLine(c.error))}</small>${c.repro ? `<br><a href="${esc(c.repro.script)}">repro</a> ${confirmed(c) ? '(confirmed: fails on the runtime, passes on a float32 reference)' : '<b>(NOT confirmed)</b>'}` : ''}</li>`);
  const missing = report.runtimes.filter((r) => r.unavailable).map((r) => `<li><b>${esc(r.name)}</b>: ${esc(r.unavailable!)}</li>`);
  const legend = Object.entries(COLORS).map(([k, v]) => `<span style="display:inline-block;width:12px;height:12px;background:${v};border-radius:2px"></span> ${k}`).join(' &nbsp; ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conformance matrix: JavaScript runtimes against PyTorch's semantics</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:80em} li{margin:.4em 0} small{color:#555} td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #ddd} table{border-collapse:collapse}</style></head>
<body>
<h1>Conformance matrix</h1>
<p>Each cell: ${report.numRuns} cases of one operation with one option family (every other option at its default), judged against the float64 reference (PyTorch's semantics) within the float32 error model. Seed ${report.seed}; ${esc(report.machine.cpu)}, Node ${esc(report.machine.node)}; ${esc(report.date)}.</p>
<p>${legend}; numbered cells differ (listed below). Hover a cell for its worst error ratio.</p>
<table><tr><th>runtime</th><th>what</th><th>differences</th><th>suite</th></tr>
${runtimes.map((r) => `<tr><td>${esc(r.name)}</td><td>${esc(r.title)}</td><td>${r.cells.filter((c) => c.verdict === 'differs').length}</td><td>${r.suite ? esc(Object.entries(r.suite.summary).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ')) : ''}</td></tr>`).join('\n')}
</table>
${svg.join('\n')}
<h2>Differences</h2>
<ol>
${items.join('\n')}
</ol>
${missing.length ? `<h2>Not run here</h2><ul>${missing.join('\n')}</ul>` : ''}
<h2>Option families</h2>
<ul>${MATRIX_COLUMNS.map((c) => `<li><b>${esc(c.title)}</b>: ${esc(c.draws)}</li>`).join('\n')}</ul>
</body></html>
`;
}

/**
 * Two matrices (two machines, two releases of a runtime) cell by cell: every cell whose verdict
 * differs, and every runtime only one of them ran. Empty when they agree.
 */
export function compareMatrices(current: MatrixReport, other: MatrixReport): string[] {
  const lines: string[] = [];
  const names = [...new Set([...current.runtimes, ...other.runtimes].map((r) => r.name))];
  for (const name of names) {
    const a = current.runtimes.find((r) => r.name === name && !r.unavailable);
    const b = other.runtimes.find((r) => r.name === name && !r.unavailable);
    if (!a && !b) continue;
    if (!a || !b) {
      lines.push(`${name}: ran ${a ? 'here' : 'there'} only${a ? '' : ` (here: ${current.runtimes.find((r) => r.name === name)?.unavailable ?? 'not listed'})`}`);
      continue;
    }
    for (const c of a.cells) {
      const d = b.cells.find((x) => x.op === c.op && x.column === c.column);
      if (d && d.verdict !== c.verdict) lines.push(`${name} ${c.op} ${c.column}: ${d.verdict} there (${other.machine.cpu}, ${other.date.slice(0, 10)}), ${c.verdict} here`);
    }
  }
  return lines;
}
