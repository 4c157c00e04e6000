/**
 * Runs the conformance matrix on one runtime: the suite (its JSON report, as the harness's command
 * writes it, so two machines' runs can be merged and compared) and every cell of the matrix; then
 * every difference a cell finds gets a self-contained repro script, which is run twice in a fresh
 * process: on the runtime it must fail (exit 1), on a float32 reference it must pass (exit 0), so a
 * difference the matrix reports is a real one and the bound it failed is one a correct float32
 * implementation meets.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { implementedOperations, type PartialBackend } from '../../kernels/backend.ts';
import { backendFromModule } from '../backendModule.ts';
import { encodeValue, reproScript, type FailingCall } from '../repro.ts';
import { suiteReport, type SuiteReport } from '../reports.ts';
import { runProperty, runPropertySuite, type ExpectedDifference, type PropertyResult } from '../suite.ts';
import { cellArguments, MATRIX_CELLS, type CellCase, type MatrixCell } from './cells.ts';
import type { MatrixRuntime } from './runtimes.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A cell's verdict:
 * - passes: every drawn case within the error model (some may have been declined);
 * - differs: a case broke it; `repro` says whether the repro was confirmed;
 * - not supported: the runtime declined every case (UnsupportedOptionError);
 * - not implemented: the runtime has no such operation.
 */
export type CellVerdict = 'passes' | 'differs' | 'not supported' | 'not implemented';

export interface CellResult {
  readonly op: string;
  readonly column: string;
  readonly verdict: CellVerdict;
  /** The worst |actual - expected| / bound judged (<= 1 passes; Infinity: structure, NaN or infinity wrong). */
  readonly worstRatio: number;
  readonly cases: number;
  readonly declined: number;
  /** For a difference: the first error, in words. */
  readonly error?: string;
  /** The runtime's known explanation (MatrixRuntime.explained), or absent: an unexplained difference. */
  readonly explanation?: string;
  /** An explanation whose cell passed: stale, to be removed. */
  readonly stale?: boolean;
  readonly counterexample?: unknown;
  /** The repro script (relative to the output folder) and what running it showed. */
  readonly repro?: { readonly script: string; readonly failsOnRuntime: boolean; readonly passesOnReference: boolean; readonly output: string };
}

export interface RuntimeResult {
  readonly name: string;
  readonly title: string;
  readonly where: MatrixRuntime['where'];
  /** Why it did not run here (absent when it ran). */
  readonly unavailable?: string;
  readonly cells: readonly CellResult[];
  readonly suite?: SuiteReport;
  readonly durationMs: number;
}

export interface MatrixRunOptions {
  readonly seed: number;
  /** Cases per cell. */
  readonly numRuns: number;
  /** Cases per property of the suite (0 skips the suite). */
  readonly suiteRuns: number;
  /** Where repros (and the modules they import for this project's own backends) are written. */
  readonly outDir: string;
  /** Run the repros to confirm them. Default true. */
  readonly checkRepros?: boolean;
  /** Only these cells (ids). Default all. */
  readonly cells?: readonly MatrixCell[];
  readonly log?: (line: string) => void;
}

/** The float32 reference as a backend module: what a repro must pass on. */
export const REFERENCE_MODULE = join(REPO_ROOT, 'properties', 'adapters', 'referenceFloat32Module.ts');

/** The module file a repro imports for `runtime` (written for this project's own backends). */
function modulePathOf(runtime: MatrixRuntime, outDir: string): string {
  if (typeof runtime.module === 'string') return isAbsolute(runtime.module) ? runtime.module : join(REPO_ROOT, runtime.module);
  const file = join(outDir, 'modules', `${runtime.name}.ts`);
  mkdirSync(dirname(file), { recursive: true });
  const kernels = relative(dirname(file), join(REPO_ROOT, 'kernels', 'index.ts'));
  writeFileSync(file, `// This project's ${runtime.module.backend} backend as a backend module (the repros import it).\nimport { createBackend as make } from ${JSON.stringify(kernels.startsWith('.') ? kernels : `./${kernels}`)};\n\nexport const createBackend = () => make(${JSON.stringify(runtime.module.backend)});\n`);
  return file;
}

/** A module's backend, or why it cannot start here. */
async function start(modulePath: string): Promise<{ backend: PartialBackend; expectedDifferences: readonly ExpectedDifference[] } | { unavailable: string }> {
  try {
    return await backendFromModule((await import(pathToFileURL(modulePath).href)) as Record<string, unknown>, modulePath);
  } catch (error) {
    return { unavailable: (error as Error).message.split('\n')[0] };
  }
}

const importPath = (from: string, to: string) => { const r = relative(dirname(from), to); return r.startsWith('.') ? r : `./${r}`; };

/** Writes the repro of a failing cell and runs it on the runtime and on the float32 reference. */
function confirmRepro(result: PropertyResult, call: FailingCall, runtime: MatrixRuntime, modulePath: string, outDir: string, check: boolean): CellResult['repro'] {
  const script = join(outDir, 'repros', runtime.name, `${result.id.replace(/^matrix:/, '').replace(/:/g, '-')}.repro.mts`);
  const referenceTwin = script.replace(/\.repro\.mts$/, '.reference.mts');
  mkdirSync(dirname(script), { recursive: true });
  const harness = importPath(script, join(REPO_ROOT, 'properties', 'index.ts'));
  const write = (file: string, module: string, backend: string) =>
    writeFileSync(file, reproScript({ property: result.id, backend, modulePath: importPath(file, module), harness, call }));
  write(script, modulePath, runtime.name);
  write(referenceTwin, REFERENCE_MODULE, 'reference-float32');
  const run = (file: string) => spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  if (!check) return { script: relative(outDir, script), failsOnRuntime: false, passesOnReference: false, output: 'not run (--no-check)' };
  const onRuntime = run(script);
  const onReference = run(referenceTwin);
  const said = (r: ReturnType<typeof run>) => `${r.stdout}${r.stderr}`;
  // Exit 1 alone is no verdict (Node exits 1 on any uncaught error: a module that cannot load, a broken
  // import): the script must say it still differs, or, where the cell's failure was the runtime throwing,
  // throw that same error again.
  const thrown = !result.violation && result.error ? result.error.split('\n')[0].slice(0, 80) : undefined;
  const differs = onRuntime.status === 1 && (said(onRuntime).includes(`${call.op}: still differs from the reference`) || (thrown !== undefined && said(onRuntime).includes(thrown)));
  return {
    script: relative(outDir, script),
    failsOnRuntime: differs,
    passesOnReference: onReference.status === 0 && said(onReference).includes(`${call.op}: now equals the reference`),
    output: `${onRuntime.stdout}${onRuntime.stderr}`.trim().split('\n').slice(-3).join('\n'),
  };
}

export function verdictOf(r: PropertyResult): CellVerdict {
  if (r.status === 'not implemented') return 'not implemented';
  if (r.status === 'failed' || r.status === 'expected difference') return 'differs';
  if (r.status === 'declined' && r.numRuns === 0) return 'not supported';
  return 'passes';
}

/** The whole matrix on one runtime (never throws for what the runtime does: the result says it). */
export async function runMatrixOn(runtime: MatrixRuntime, options: MatrixRunOptions): Promise<RuntimeResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const base = { name: runtime.name, title: runtime.title, where: runtime.where };
  const modulePath = modulePathOf(runtime, options.outDir);
  const made = await start(modulePath);
  if ('unavailable' in made) return { ...base, unavailable: made.unavailable, cells: [], durationMs: performance.now() - started };
  const { backend, expectedDifferences } = made;
  try {
    let suite: SuiteReport | undefined;
    if (options.suiteRuns > 0) {
      const results = await runPropertySuite(backend, { seed: options.seed, numRuns: options.suiteRuns, expectedDifferences });
      suite = suiteReport(backend.name, options.seed, options.suiteRuns, results, { implemented: implementedOperations(backend) });
      log(`  suite: ${Object.entries(suite.summary).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ')}`);
    }
    const explained = Object.entries(runtime.explained).map(([property, reason]): ExpectedDifference => ({ property, reason }));
    const cells: CellResult[] = [];
    for (const cell of options.cells ?? MATRIX_CELLS) {
      const r = await runProperty(backend, cell.property, { seed: options.seed, numRuns: options.numRuns, expectedDifferences: explained });
      const verdict = verdictOf(r);
      const explanation = runtime.explained[cell.property.id];
      const differs = verdict === 'differs';
      // A runtime that throws (rather than answering wrongly) has no judged call: its case's call is the repro.
      const call = r.failingCall ?? (r.counterexample !== undefined ? { op: cell.op, args: encodeValue(cellArguments(cell.op, r.counterexample as CellCase)) } : undefined);
      const repro = differs && call ? confirmRepro(r, call, runtime, modulePath, options.outDir, options.checkRepros ?? true) : undefined;
      cells.push({
        op: cell.op, column: cell.column, verdict, worstRatio: r.worstRatio ?? 0, cases: r.numRuns, declined: r.unsupported,
        ...(differs ? { error: r.error, counterexample: r.counterexample } : {}),
        ...(explanation ? { explanation } : {}),
        ...(r.status === 'unexpected pass' ? { stale: true } : {}),
        ...(repro ? { repro } : {}),
      });
      log(`  ${cell.property.id}: ${verdict}${differs ? ` (${explanation ? 'explained' : 'UNEXPLAINED'}${repro ? `, repro ${repro.failsOnRuntime && repro.passesOnReference ? 'confirmed' : 'NOT confirmed'}` : ''})` : ''}`);
    }
    return { ...base, cells, ...(suite ? { suite } : {}), durationMs: performance.now() - started };
  } finally {
    await (backend as { dispose?: () => unknown }).dispose?.();
  }
}
