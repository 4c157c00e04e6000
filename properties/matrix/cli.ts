/**
 * `npm run matrix`: the conformance matrix of every runtime that can start here (see --help).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED } from '../suite.ts';
import { compareMatrices, confirmed, matrixHtml, matrixMarkdown, type MatrixReport } from './render.ts';
import { REPO_ROOT, runMatrixOn, type RuntimeResult } from './run.ts';
import { MATRIX_CELLS, MATRIX_COLUMNS } from './cells.ts';
import { runMatrixInChromium } from './chromium.ts';
import { MATRIX_RUNTIMES } from './runtimes.ts';

const HELP = `npm run matrix [-- options]

Runs the conformance matrix (operation × option family × runtime) on every runtime that can start
here, confirms every difference's repro (fails on the runtime, passes on a float32 reference), and writes
  OUT/index.html     the page (inline SVG, no server needed)
  OUT/matrix.md      the Markdown table and the differences
  OUT/matrix.json    every cell and every runtime's suite report (compare two machines' files)
  OUT/reports/R.json each runtime's suite report (npm run harness -- merge takes them)
  OUT/repros/R/*.mts each difference's repro (run one with npm run harness -- repro FILE)
and replaces the table in README.md between its matrix markers.

Options:
  --out DIR          where to write (default docs/matrix)
  --runtimes A,B     only these runtimes (default all: ${MATRIX_RUNTIMES.map((r) => r.name).join(', ')})
  --runs N           cases per cell (default 25)
  --suite-runs N     cases per property of each runtime's suite run (default 20; 0 skips the suite)
  --seed N           fast-check seed (default ${DEFAULT_SEED})
  --no-check         write repros without running them
  --no-readme        leave README.md alone
  --render           only rewrite the page, the table and README's table from OUT/matrix.json (no run)
  --compare FILE     also list every cell whose verdict differs from another matrix.json (another
                     machine's, or an earlier release's)

Exit 1 when a difference has no explanation (MatrixRuntime.explained in properties/matrix/runtimes.ts),
a repro is not confirmed, an explanation is stale (its cell passes), a runtime's suite run fails a
property its module does not list as an expected difference (or lists one that passes), or, under CI=true, a runtime cannot
start (each runtime not run is listed with its reason). The browser runtimes run in headless Chromium
(Debian's chromium, or CHROMIUM_PATH) and need a display for WebGL: xvfb-run -a npm run matrix.`;

const README_START = '<!-- matrix:start (npm run matrix writes this table) -->';
const README_END = '<!-- matrix:end -->';

function count(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} needs a whole number of at least ${min}; got '${value}'. See --help.`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' }, runtimes: { type: 'string' }, runs: { type: 'string' }, 'suite-runs': { type: 'string' }, seed: { type: 'string' },
      'no-check': { type: 'boolean', default: false }, 'no-readme': { type: 'boolean', default: false }, compare: { type: 'string' }, render: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const outDir = resolve(values.out ?? join(REPO_ROOT, 'docs', 'matrix'));
  const names = values.runtimes?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names?.filter((n) => !MATRIX_RUNTIMES.some((r) => r.name === n)) ?? [];
  if (unknown.length) throw new Error(`--runtimes: unknown ${unknown.join(', ')}; the runtimes are ${MATRIX_RUNTIMES.map((r) => r.name).join(', ')}.`);
  const runtimes = MATRIX_RUNTIMES.filter((r) => !names || names.includes(r.name));
  const seed = count('seed', values.seed, DEFAULT_SEED);
  const numRuns = count('runs', values.runs, 25, 1);
  const suiteRuns = count('suite-runs', values['suite-runs'], 20);
  mkdirSync(outDir, { recursive: true });

  let report: MatrixReport;
  if (values.render) {
    report = JSON.parse(readFileSync(join(outDir, 'matrix.json'), 'utf8')) as MatrixReport;
  } else {
    const results: RuntimeResult[] = [];
    const runOptions = { seed, numRuns, suiteRuns, outDir, checkRepros: !values['no-check'], log: (line: string) => console.log(line) };
    for (const runtime of runtimes.filter((r) => r.where === 'node')) {
      console.log(`${runtime.name} (${runtime.title}):`);
      const r = await runMatrixOn(runtime, runOptions);
      console.log(r.unavailable ? `  not run: ${r.unavailable}` : `  ${r.cells.filter((c) => c.verdict === 'differs').length} differences, ${(r.durationMs / 1000).toFixed(0)} s`);
      results.push(r);
    }
    // The browser runtimes share one server and one headless Chromium (it logs each runtime itself).
    const inBrowser = runtimes.filter((r) => r.where === 'chromium');
    if (inBrowser.length) results.push(...(await runMatrixInChromium(inBrowser, runOptions)));
    results.sort((a, b) => runtimes.findIndex((r) => r.name === a.name) - runtimes.findIndex((r) => r.name === b.name));
    const cpu = cpus();
    report = {
      version: 1, date: new Date().toISOString(), seed, numRuns, suiteRuns, columns: MATRIX_COLUMNS, runtimes: results,
      machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpu.length, cpu: cpu[0]?.model.trim() ?? 'unknown' },
    };
  }
  const write = (file: string, text: string) => {
    writeFileSync(join(outDir, file), text);
    console.log(`wrote ${join(outDir, file)}`);
  };
  const results = report.runtimes;
  if (!values.render) {
    mkdirSync(join(outDir, 'reports'), { recursive: true });
    for (const r of results) if (r.suite) write(join('reports', `${r.name}.json`), `${JSON.stringify(r.suite, null, 2)}\n`);
    write('matrix.json', `${JSON.stringify(report, null, 2)}\n`);
  }
  write('matrix.md', `# Conformance matrix\n\n${matrixMarkdown(report)}`);
  write('index.html', matrixHtml(report));
  if (!values['no-readme']) {
    const readmePath = join(REPO_ROOT, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    if (start < 0 || end < start) throw new Error(`README.md has no matrix markers (${README_START} … ${README_END}); add them where the table belongs, or pass --no-readme.`);
    const base = `${join(outDir).replace(`${REPO_ROOT}/`, '')}/`;
    writeFileSync(readmePath, `${readme.slice(0, start + README_START.length)}\n${matrixMarkdown(report, { linkBase: base, compact: true })}${readme.slice(end)}`);
    console.log(`updated the table in ${readmePath}`);
  }

  if (values.compare) {
    const other = JSON.parse(readFileSync(resolve(values.compare), 'utf8')) as MatrixReport;
    const changes = compareMatrices(report, other);
    console.log(changes.length ? `compared with ${values.compare}:\n${changes.map((l) => `  ${l}`).join('\n')}` : `compared with ${values.compare}: every cell agrees`);
  }

  const problems = [
    ...results.filter((r) => r.unavailable && process.env.CI === 'true').map((r) => `${r.name} cannot start under CI: ${r.unavailable}`),
    ...results.flatMap((r) => r.cells.filter((c) => c.verdict === 'differs' && !c.explanation).map((c) => `${r.name} ${c.op} ${c.column}: an unexplained difference (${(c.error ?? '').split('\n')[0].slice(0, 160)})`)),
    ...results.flatMap((r) => r.cells.filter((c) => c.verdict === 'differs' && !values['no-check'] && !confirmed(c)).map((c) => `${r.name} ${c.op} ${c.column}: the repro was not confirmed${c.repro ? `: ${c.repro.output}` : ' (none)'}`)),
    ...results.flatMap((r) => r.cells.filter((c) => c.stale).map((c) => `${r.name} ${c.op} ${c.column}: explained as a difference, but it passes: remove the explanation`)),
    // A cell a runtime that ran never reached (a browser runtime stopped after hangs): not a pass, not a difference.
    ...results.filter((r) => !r.unavailable).flatMap((r) => MATRIX_CELLS.filter((cell) => !r.cells.some((c) => c.op === cell.op && c.column === cell.column)).map((cell) => `${r.name} ${cell.op} ${cell.column}: not run (the runtime stopped before it)`)),
    ...results.flatMap((r) => r.cells.filter((c) => c.error?.includes('(it hung)')).map((c) => `${r.name} ${c.op} ${c.column}: hung (counted as a difference, but nothing was judged)`)),
    ...(values['no-check'] && results.some((r) => r.cells.some((c) => c.verdict === 'differs')) ? ['--no-check: the repros were written, not run: no difference is confirmed'] : []),
    // A suite property the runtime fails without an expected difference (or an entry now stale): its module's list is out of date.
    ...results.flatMap((r) => (r.suite?.results ?? []).filter((x) => !x.passed).map((x) => `${r.name} suite: ${x.id} ${x.status} (${(x.error ?? '').split('\n')[0].slice(0, 160)}): add it to, or remove it from, the module's expectedDifferences`)),
  ];
  for (const p of problems) console.log(`PROBLEM: ${p}`);
  console.log(`${results.filter((r) => !r.unavailable).length} runtimes ran, ${results.filter((r) => r.unavailable).length} could not start; ${results.reduce((n, r) => n + r.cells.filter((c) => c.verdict === 'differs').length, 0)} differences; ${problems.length} problems.`);
  return problems.length ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: Error) => {
  console.error(`matrix: ${error.message}`);
  process.exitCode = 2;
});
