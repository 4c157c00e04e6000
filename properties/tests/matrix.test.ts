// The conformance matrix's own tests: every cell can fail (a realistic broken kernel makes it differ),
// a column blames the option it is about (the mutant that breaks dilation passes the defaults
// column), the runner confirms a difference's repro in a fresh process (fails on the runtime,
// passes on the float32 reference) and tells explained, unexplained and stale differences apart, and
// the page and the table show what the run found.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellId, MATRIX_CELLS, MATRIX_COLUMNS } from '../matrix/cells.ts';
import { compareMatrices, matrixHtml, matrixMarkdown, type MatrixReport } from '../matrix/render.ts';
import { REPO_ROOT, runMatrixOn } from '../matrix/run.ts';
import { MATRIX_RUNTIMES } from '../matrix/runtimes.ts';
import { createMutantBackend } from '../mutants.ts';
import { DEFAULT_SEED, runProperty } from '../suite.ts';

const cellById = (id: string) => {
  const cell = MATRIX_CELLS.find((c) => c.property.id === id);
  if (!cell) throw new Error(`no cell ${id}`);
  return cell;
};
const options = { seed: DEFAULT_SEED, numRuns: 25 };

/** Which mutant (properties/operations/<family>/mutants.ts) makes each operation's cells differ, whatever the column. */
const BREAKS_EVERY_CELL_OF: Record<string, string> = {
  conv2d: 'conv-bias-of-channel-0',
  conv2dBackward: 'dw-first-image-only',
  maxPool2d: 'pooling-mixes-channels',
  maxPool2dBackward: 'pooling-mixes-channels',
  avgPool2d: 'pooling-mixes-channels',
  avgPool2dBackward: 'pooling-mixes-channels',
};

/** A bug of one option family: the cells it must make differ, and the cells (other options) it must pass. */
const ISOLATED: readonly { mutant: string; differs: string[]; passes: string[] }[] = [
  { mutant: 'truncated-tap-loop', differs: ['conv2d:long-sums'], passes: ['conv2d:defaults', 'conv2d:padding'] },
  { mutant: 'swapped-stride-axes', differs: ['conv2d:stride'], passes: ['conv2d:defaults', 'conv2d:padding-per-side'] },
  { mutant: 'conv-dilation-rows-for-columns', differs: ['conv2d:dilation'], passes: ['conv2d:defaults', 'conv2d:stride'] },
  { mutant: 'conv-groups-read-group-0', differs: ['conv2d:groups'], passes: ['conv2d:defaults', 'conv2d:dilation'] },
  { mutant: 'conv-nan-to-zero', differs: ['conv2d:nan'], passes: ['conv2d:defaults', 'conv2d:large'] },
  { mutant: 'pool-padding-rows-for-columns', differs: ['maxPool2d:padding-per-side', 'avgPool2d:padding-per-side'], passes: ['maxPool2d:defaults', 'avgPool2d:stride'] },
  { mutant: 'avg-pool-default-excludes-padding', differs: ['avgPool2d:padding'], passes: ['avgPool2d:defaults', 'avgPool2d:exclude-pad'] },
  { mutant: 'wrong-avg-divisor', differs: ['avgPool2d:exclude-pad'], passes: ['avgPool2d:padding', 'avgPool2d:defaults'] },
  { mutant: 'avg-pool-backward-ignores-count-include-pad', differs: ['avgPool2dBackward:exclude-pad'], passes: ['avgPool2dBackward:padding'] },
  { mutant: 'max-pool-gradient-to-last-maximum', differs: ['maxPool2dBackward:ties'], passes: ['maxPool2dBackward:defaults', 'maxPool2dBackward:stride'] },
  { mutant: 'max-pool-ignores-nan', differs: ['maxPool2d:nan', 'maxPool2dBackward:nan'], passes: ['maxPool2d:defaults', 'maxPool2d:large'] },
  { mutant: 'max-pool-sentinel', differs: ['maxPool2d:large'], passes: ['maxPool2d:defaults', 'maxPool2d:nan'] },
  { mutant: 'pool-ceil-mode-last-window-unwritten', differs: ['maxPool2d:ceil-mode', 'avgPool2d:ceil-mode'], passes: ['maxPool2d:padding', 'avgPool2d:exclude-pad'] },
  { mutant: 'pool-default-stride-1', differs: ['maxPool2d:defaults'], passes: ['maxPool2d:stride', 'avgPool2d:stride'] },
];

describe('conformance matrix: cells', () => {
  it('has a cell for every operation and applicable column, each with its own id', () => {
    const ids = MATRIX_CELLS.map((c) => c.property.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of MATRIX_CELLS) expect(MATRIX_COLUMNS.map((x) => x.id)).toContain(c.column);
    expect(ids).toContain('matrix:conv2d:groups');
    expect(ids).not.toContain('matrix:maxPool2d:groups'); // no groups in pooling
    expect(ids).not.toContain('matrix:avgPool2d:dilation'); // nor dilation in average pooling
  });

  it('the float32 reference (a correct float32 implementation) passes every cell', async () => {
    const backend = createMutantBackend('none');
    const failed = [];
    for (const cell of MATRIX_CELLS) {
      const r = await runProperty(backend, cell.property, options);
      if (r.status !== 'passed') failed.push(`${cell.property.id}: ${r.status} ${r.error}`);
    }
    expect(failed).toEqual([]);
  });

  it('every cell differs on a broken kernel of its operation', async () => {
    const escaped = [];
    for (const cell of MATRIX_CELLS) {
      const r = await runProperty(createMutantBackend(BREAKS_EVERY_CELL_OF[cell.op]), cell.property, options);
      if (r.status !== 'failed' || !r.violation) escaped.push(`${cell.property.id} (${BREAKS_EVERY_CELL_OF[cell.op]}): ${r.status}`);
    }
    expect(escaped).toEqual([]);
  });

  for (const { mutant, differs, passes } of ISOLATED) {
    it(`blames ${mutant} on ${differs.join(', ')}, not on ${passes.join(', ')}`, async () => {
      const backend = createMutantBackend(mutant);
      for (const id of differs) expect((await runProperty(backend, cellById(cellId(...(id.split(':') as [string, string]))).property, options)).status, id).toBe('failed');
      for (const id of passes) expect((await runProperty(backend, cellById(cellId(...(id.split(':') as [string, string]))).property, options)).status, id).toBe('passed');
    });
  }
});

describe('conformance matrix: runner and outputs', () => {
  it('confirms a difference by running its repro, and tells explained, unexplained and stale apart', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'matrix-'));
    // A runtime whose max pool drops NaN (as tfjs-cpu's does), as a module a repro can import.
    const module = join(outDir, 'nanDroppingPool.ts');
    writeFileSync(module, `import { createMutantBackend } from ${JSON.stringify(join(REPO_ROOT, 'properties', 'mutants.ts'))};\nexport const createBackend = () => createMutantBackend('max-pool-ignores-nan');\n`);
    const runtime = {
      name: 'nan-dropping', title: 'a max pool that drops NaN', where: 'node' as const, module,
      explained: { 'matrix:maxPool2dBackward:nan': 'routes no gradient to NaN', 'matrix:maxPool2d:defaults': 'a stale explanation: this cell passes' },
    };
    const cells = ['matrix:maxPool2d:nan', 'matrix:maxPool2dBackward:nan', 'matrix:maxPool2d:defaults'].map(cellById);
    const r = await runMatrixOn(runtime, { seed: DEFAULT_SEED, numRuns: 10, suiteRuns: 2, outDir, cells });
    expect(r.unavailable).toBeUndefined();
    expect(r.suite?.results.length).toBeGreaterThan(20);
    const [forward, backward, defaults] = r.cells;
    expect(forward).toMatchObject({ verdict: 'differs', repro: { failsOnRuntime: true, passesOnReference: true } });
    expect(forward.explanation).toBeUndefined(); // unexplained: the command exits 1 on it
    expect(backward).toMatchObject({ verdict: 'differs', explanation: 'routes no gradient to NaN', repro: { failsOnRuntime: true, passesOnReference: true } });
    expect(defaults).toMatchObject({ verdict: 'passes', stale: true });
    // The repro is a script a person runs: it names the call and imports the runtime's module.
    const script = readFileSync(join(outDir, forward.repro!.script), 'utf8');
    expect(script).toContain('maxPool2d');
    expect(script).toContain('nanDroppingPool.ts');

    const report: MatrixReport = {
      version: 1, date: '2026-11-30T00:00:00.000Z', seed: DEFAULT_SEED, numRuns: 10, suiteRuns: 2, columns: MATRIX_COLUMNS,
      machine: { node: 'v20', platform: 'linux-x64', cpus: 2, cpu: 'test cpu' },
      runtimes: [r, { name: 'absent', title: 'a runtime that cannot start', where: 'chromium', unavailable: 'no browser here', cells: [], durationMs: 0 }],
    };
    const markdown = matrixMarkdown(report, { linkBase: 'docs/matrix/' });
    expect(markdown).toMatch(/\| maxPool2d \| NaN, ±Infinity \| \*\*✗ \[1\]\(#matrix-difference-1\)\*\* \|/);
    expect(markdown).toContain('**nan-dropping**, maxPool2dBackward, NaN, ±Infinity: routes no gradient to NaN.');
    expect(markdown).toContain('unexplained: maxPool2d: NaN placement');
    expect(markdown).toContain('Not run here: absent (no browser here)');
    expect(markdown).toContain('stale');
    // The README's form: one line per runtime and explanation, each cell with its number and repro.
    expect(matrixMarkdown(report, { linkBase: 'docs/matrix/', compact: true })).toMatch(/- <a id="matrix-difference-2"><\/a>\*\*nan-dropping\*\*, maxPool2dBackward NaN, ±Infinity \(2, \[repro\]\(docs\/matrix\/repros\/nan-dropping\/maxPool2dBackward-nan\.repro\.mts\)\): routes no gradient to NaN\./);
    const html = matrixHtml(report);
    expect(html).toContain('<svg');
    expect(html).toContain('href="#d2"');
    expect(html).toContain('no browser here');

    // Two machines' matrices, cell by cell: a verdict that moved, and a runtime only one ran.
    const there: MatrixReport = {
      ...report, machine: { ...report.machine, cpu: 'other cpu' },
      runtimes: [{ ...r, cells: r.cells.map((c) => (c === forward ? { ...c, verdict: 'passes' as const } : c)) }, { ...r, name: 'absent', unavailable: undefined }],
    };
    expect(compareMatrices(report, there)).toEqual([
      'nan-dropping maxPool2d nan: passes there (other cpu, 2026-11-30), differs here',
      'absent: ran there only (here: no browser here)',
    ]);
    expect(compareMatrices(report, report)).toEqual([]);
  });

  it('does not confirm a repro that only crashed (a module that cannot load exits 1 too)', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'matrix-'));
    // Works here (the flag is set in this process), throws in the repro's fresh process.
    const module = join(outDir, 'loadsHereOnly.ts');
    writeFileSync(module, `import { createMutantBackend } from ${JSON.stringify(join(REPO_ROOT, 'properties', 'mutants.ts'))};\nexport const createBackend = () => { if (!(globalThis as { inThisProcess?: boolean }).inThisProcess) throw new Error('cannot start here'); return createMutantBackend('max-pool-ignores-nan'); };\n`);
    (globalThis as { inThisProcess?: boolean }).inThisProcess = true;
    const runtime = { name: 'loads-here-only', title: '', where: 'node' as const, module, explained: {} };
    const r = await runMatrixOn(runtime, { seed: DEFAULT_SEED, numRuns: 10, suiteRuns: 0, outDir, cells: [cellById('matrix:maxPool2d:nan')] });
    expect(r.cells[0]).toMatchObject({ verdict: 'differs', repro: { failsOnRuntime: false, passesOnReference: true } });
  });

  it('lists the runtimes people use, each with where it runs and a module a repro can import', () => {
    const names = MATRIX_RUNTIMES.map((r) => r.name);
    for (const name of ['wasm-simd', 'tfjs-cpu', 'tfjs-wasm', 'onnxruntime-web-wasm']) expect(names).toContain(name);
    for (const r of MATRIX_RUNTIMES) for (const id of Object.keys(r.explained)) expect(MATRIX_CELLS.map((c) => c.property.id), `${r.name}: ${id}`).toContain(id);
    for (const r of MATRIX_RUNTIMES) if (typeof r.module === 'string') expect(existsSync(join(REPO_ROOT, r.module)), r.module).toBe(true);
  });
});
