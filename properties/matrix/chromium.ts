/**
 * The conformance matrix on the runtimes that exist only in a browser (MatrixRuntime.where ===
 * 'chromium'): TensorFlow.js's webgl and webgpu backends, ONNX Runtime Web's webgpu execution
 * provider and this project's gpu.js webgl2, webgl and webgpu backends, in headless Chromium
 * (properties/browser/chromium.ts: SwiftShader's WebGL2 and its WebGPU fallback adapter).
 *
 * One server and one browser serve every runtime; each runtime gets the runtimes page
 * (properties/browser/runtimesPage.ts) freshly loaded, so no runtime inherits another's contexts or
 * global state. The page runs the suite and the cells and reports each property as it finishes; a
 * runtime that stops answering (no property finished within `cellTimeoutMs`) or crashes the page loses
 * only the cell it was in, which is reported as a difference saying so: the browser is restarted and
 * the runtime goes on with its remaining cells, within `runtimeTimeoutMs` in all.
 *
 * Results become CellResult/RuntimeResult exactly as properties/matrix/run.ts makes them for Node.
 * Each difference gets the same repro script run.ts writes, importing a module file written here for
 * the browser backend (it runs only in a browser page: its header says so), and is confirmed by the
 * page's `replay`: the failing call on a fresh backend of the runtime must fail, and on the float32
 * reference must pass.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Page } from 'playwright-core';
import type { OperationName } from '../../kernels/backend.ts';
import { ALL_PROPERTIES } from '../all.ts';
import { chromiumUnavailableReason, openPage, type BrowserSession } from '../browser/chromium.ts';
import type { EncodedResult, ProgressEvent, ReplayResult, RuntimesRunOptions, RuntimesRunResult } from '../browser/runtimesPage.ts';
import { startHarnessServer, type HarnessServer } from '../browser/server.ts';
import { decodeValue, encodeValue, reproScript, type FailingCall } from '../repro.ts';
import { suiteReport, type SuiteReport } from '../reports.ts';
import type { PropertyResult } from '../suite.ts';
import { cellArguments, MATRIX_CELLS, type CellCase, type MatrixCell } from './cells.ts';
import { REFERENCE_MODULE, REPO_ROOT, verdictOf, type CellResult, type MatrixRunOptions, type RuntimeResult } from './run.ts';
import type { MatrixRuntime } from './runtimes.ts';

export interface ChromiumLimits {
  /** A runtime that finishes no property (suite or cell) nor starts within this is taken to hang. Default 5 minutes. */
  readonly cellTimeoutMs?: number;
  /** Everything one runtime does (suite, cells, repros), at most. Default 60 minutes. */
  readonly runtimeTimeoutMs?: number;
  /** A runtime that hangs or crashes this many times is stopped (its remaining cells not run). Default 3. */
  readonly maxRestarts?: number;
}

const DEFAULT_LIMITS: Required<ChromiumLimits> = { cellTimeoutMs: 5 * 60_000, runtimeTimeoutMs: 60 * 60_000, maxRestarts: 3 };

/** Opening the browser and loading the runtimes page (a 3.6 MB bundle), at most. */
const PAGE_LOAD_MS = 120_000;

class Hung extends Error {}

/**
 * `work`, unless `idleMs` passes without `poke.reset()` being called, or `deadline` (epoch ms) passes:
 * then it rejects with Hung. `work` itself is left running (the caller closes the browser under it).
 */
function watched<T>(work: Promise<T>, idleMs: number, deadline: number, poke: { reset?: () => void }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(timer);
      const left = deadline - Date.now();
      const byDeadline = left < idleMs;
      timer = setTimeout(() => reject(new Hung(byDeadline ? 'the runtime\'s time limit ran out' : `no answer within ${(idleMs / 1000).toFixed(idleMs < 10_000 ? 1 : 0)} s (it hung)`)), Math.max(0, Math.min(idleMs, left)));
    };
    poke.reset = arm;
    arm();
    work.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}

/** The runtimes page in one browser, reopened after a hang or a crash. */
class RuntimesBrowser {
  private session: BrowserSession | undefined;
  private listener: (e: ProgressEvent) => void = () => {};
  private readonly pageErrors: string[] = [];
  /** Counts closes, so a browser that finishes opening after a close is closed too. */
  private generation = 0;

  constructor(private readonly server: HarnessServer) {}

  onProgress(listener: (e: ProgressEvent) => void): void {
    this.listener = listener;
  }

  /** The page's errors since the last call (console errors and uncaught exceptions), at most `n`. */
  takeErrors(n = 5): string[] {
    return this.pageErrors.splice(0).slice(0, n);
  }

  /** The runtimes page, freshly loaded (a new browser if the last one was closed). */
  async fresh(): Promise<Page> {
    if (!this.session) {
      const generation = this.generation;
      const session = await openPage(this.server.url, (line) => {
        if (line.startsWith('[page error') && !line.includes('GPU stall due to ReadPixels') && this.pageErrors.length < 50) this.pageErrors.push(line.slice(0, 400));
      });
      if (generation !== this.generation) {
        // Closed while it was opening (a watchdog gave up on it): not to be left running.
        await session.close().catch(() => undefined);
        throw new Error('the browser was closed while it opened');
      }
      this.session = session;
      await session.page.exposeFunction('__runtimesProgress', (json: string) => this.listener(JSON.parse(json) as ProgressEvent));
    }
    const page = this.session.page;
    await page.goto(`${this.server.url}runtimes`, { timeout: 60_000 });
    await page.waitForFunction(() => (globalThis as { runtimes?: unknown }).runtimes !== undefined, undefined, { timeout: 60_000 });
    return page;
  }

  /** Closes the browser (it is reopened by the next `fresh`); a browser that does not close within 30 s is left behind. */
  async close(): Promise<void> {
    this.generation++;
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    await Promise.race([session.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
  }
}

// ---- the modules the repros import ------------------------------------------------------------

const importPath = (from: string, to: string) => { const r = relative(dirname(from), to); return r.startsWith('.') ? r : `./${r}`; };

const GPUJS_NEEDS: Readonly<Record<string, string>> = { webgl2: 'WebGL2', webgl: 'WebGL', webgpu: 'WebGPU' };

/** A gpu.js browser backend's module (header, imports, exports), for a module file at `file`; undefined for any other runtime (the adapters' modules are files of their own). */
function browserModuleSource(runtime: MatrixRuntime, file: string): string | undefined {
  const at = (path: string) => JSON.stringify(importPath(file, join(REPO_ROOT, path)));
  const mode = typeof runtime.module === 'object' ? runtime.module.backend : runtime.name;
  const header = (what: string, needs: string, bundling: string) =>
    `// ${what} as a backend module (the conformance matrix's repros import it).\n` +
    `// It runs only in a browser page with ${needs}, not under Node. Bundle the repro for a page as\n` +
    `// properties/browser/bundle.ts's buildRuntimesPage does: ${bundling}.\n` +
    '// `npm run matrix` runs this runtime in headless Chromium (properties/matrix/chromium.ts).\n';
  if (GPUJS_NEEDS[mode]) {
    return `${header(`This project's gpu.js ${mode} backend`, GPUJS_NEEDS[mode], "gpu.js's browser build loaded first\n// (window.GPU), node:module aliased to properties/browser/nodeModuleShim.ts")}` +
      `import { createGpuJsBackend } from ${at('kernels/gpujs/index.ts')};\n\nexport const createBackend = () => createGpuJsBackend(${JSON.stringify(mode)});\n`;
  }
  return undefined;
}

/** The module file a browser runtime's repros import: MatrixRuntime.module when it names a file that exists, else one written under outDir/modules. */
function browserModulePath(runtime: MatrixRuntime, outDir: string): string | undefined {
  if (typeof runtime.module === 'string' && existsSync(join(REPO_ROOT, runtime.module))) return join(REPO_ROOT, runtime.module);
  const file = join(outDir, 'modules', `${runtime.name}.ts`);
  const source = browserModuleSource(runtime, file);
  if (source === undefined) return undefined;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  return file;
}

/** What heads a browser runtime's repro: where it can run, and how the matrix ran it. */
const browserReproHeader = (runtime: MatrixRuntime) =>
  `// NOTE: ${runtime.name} (${runtime.title}) exists only in a browser. This repro runs only in a page\n` +
  '// where that runtime can start (bundled for the browser, as properties/browser/bundle.ts bundles the runtimes\n' +
  '// page), not under Node; in a page it prints its verdict on the console (process.exit aside). `npm run matrix`\n' +
  '// confirmed it in headless Chromium with properties/browser/runtimesPage.ts\'s replay (the same call, judged the same way).\n';

// ---- one runtime ------------------------------------------------------------------------------

/** A PropertyResult back from the page. */
const decodeResult = (r: EncodedResult): PropertyResult => ({ ...(decodeValue(r.encoded) as PropertyResult), ...(r.failingCall ? { failingCall: r.failingCall } : {}) });

/** The result of a property the runtime hung on (or crashed the page in). */
function hungResult(id: string, backend: string, seed: number, why: string): PropertyResult {
  const property = ALL_PROPERTIES.find((p) => p.id === id) ?? MATRIX_CELLS.find((c) => c.property.id === id)?.property;
  return {
    id, kind: property?.kind ?? 'conformance', statement: property?.statement ?? '', backend, seed,
    status: 'failed', passed: false, numRuns: 0, unsupported: 0, notImplemented: 0, worstRatio: 0, durationMs: 0,
    error: `${why} on this property; the browser was restarted and the run went on without it`,
  };
}

const lastLines = (lines: readonly string[], n = 3) => lines.join('\n').trim().split('\n').slice(-n).join('\n');

async function runOne(runtime: MatrixRuntime, options: MatrixRunOptions, browser: RuntimesBrowser, limits: Required<ChromiumLimits>): Promise<RuntimeResult> {
  const started = performance.now();
  const deadline = Date.now() + limits.runtimeTimeoutMs;
  const log = options.log ?? (() => {});
  const base = { name: runtime.name, title: runtime.title, where: runtime.where };
  const durationMs = () => performance.now() - started;
  const cells: readonly MatrixCell[] = options.cells ?? MATRIX_CELLS;

  const results = new Map<string, PropertyResult>();
  let suite: PropertyResult[] = [];
  let suiteDone = options.suiteRuns === 0;
  let backendName = runtime.name;
  let implemented: readonly OperationName[] | undefined;
  /** Where the page is: before its backend started, in the suite, or in a cell. */
  let where: { phase: 'start' | 'suite' | 'cell'; id?: string } = { phase: 'start' };
  let restarts = 0;
  /** Cells it hung on (an explanation of the cell does not cover a hang). */
  const hung = new Set<string>();

  while (!suiteDone || cells.some((c) => !results.has(c.property.id))) {
    const remaining = cells.filter((c) => !results.has(c.property.id)).map((c) => c.property.id);
    const poke: { reset?: () => void } = {};
    where = { phase: 'start' };
    browser.onProgress((e) => {
      poke.reset?.();
      if (e.event === 'started') {
        backendName = e.backend;
        implemented = e.implemented;
        where = suiteDone ? { phase: 'cell' } : { phase: 'suite' };
        log(`  started in ${(e.startMs / 1000).toFixed(1)} s`);
      } else if (e.event === 'suite-done') {
        suiteDone = true;
        where = { phase: 'cell' };
      } else if (e.event === 'start') {
        where = { phase: e.phase, id: e.id };
      } else if (e.phase === 'suite') {
        suite.push(decodeResult(e.result));
      } else {
        const r = decodeResult(e.result);
        results.set(e.id, r);
        log(`  ${e.id}: ${verdictOf(r)}${verdictOf(r) === 'differs' ? ` (${r.error?.split('\n')[0].slice(0, 160)})` : ''}`);
      }
    });
    const runOptions: RuntimesRunOptions = {
      seed: options.seed, numRuns: options.numRuns, suiteRuns: suiteDone ? 0 : options.suiteRuns, cells: remaining, explained: runtime.explained,
    };
    try {
      const page = await watched(browser.fresh(), Math.max(limits.cellTimeoutMs, PAGE_LOAD_MS), Math.max(deadline, Date.now() + PAGE_LOAD_MS), poke);
      const r = await watched(page.evaluate(`runtimes.run(${JSON.stringify(runtime.name)}, ${JSON.stringify(runOptions)})`) as Promise<RuntimesRunResult>, limits.cellTimeoutMs, deadline, poke);
      if ('unavailable' in r) {
        if (results.size === 0 && suite.length === 0) return { ...base, unavailable: r.unavailable, cells: [], durationMs: durationMs() };
        log(`  after a restart it could not start again (${r.unavailable}); its remaining cells were not run`);
        break;
      }
      backendName = r.backend;
      implemented = r.implemented;
      if (r.suite) suite = r.suite.map(decodeResult);
      suiteDone = true;
      for (const c of r.cells) { const d = decodeResult(c); results.set(d.id, d); }
      break;
    } catch (error) {
      const why = error instanceof Hung ? error.message : `the page failed (${(error as Error).message.split('\n')[0].slice(0, 200)})`;
      const errors = browser.takeErrors();
      await browser.close();
      if (where.phase === 'start') {
        if (results.size === 0 && suite.length === 0) {
          return { ...base, unavailable: `it did not start in the page: ${why}${errors.length ? `; ${errors[0]}` : ''}`, cells: [], durationMs: durationMs() };
        }
        log(`  restarting it failed: ${why}; its remaining cells were not run`);
        break;
      }
      if (where.phase === 'suite') {
        // The suite reports no start per property: the one it hung on is the first it had not finished.
        const hungOn = ALL_PROPERTIES.find((p) => !suite.some((s) => s.id === p.id));
        if (hungOn) suite.push(hungResult(hungOn.id, backendName, options.seed, why));
        suiteDone = true;
        log(`  suite: ${why} in ${hungOn?.id ?? 'the suite'}; its later properties were not run${errors.length ? ` (${errors.join('; ')})` : ''}`);
      } else {
        const id = where.id ?? remaining[0];
        results.set(id, hungResult(id, backendName, options.seed, why));
        hung.add(id);
        log(`  ${id}: ${why}; restarting the browser${errors.length ? ` (${errors.join('; ')})` : ''}`);
      }
      if (++restarts >= limits.maxRestarts || Date.now() >= deadline) {
        log(`  stopped after ${restarts} hang${restarts === 1 ? '' : 's'}${Date.now() >= deadline ? ' (time limit)' : ''}; its remaining cells were not run`);
        break;
      }
    }
  }
  browser.onProgress(() => {});

  let suiteResult: SuiteReport | undefined;
  if (options.suiteRuns > 0 && suite.length) {
    suiteResult = suiteReport(backendName, options.seed, options.suiteRuns, suite, { implemented });
    log(`  suite: ${Object.entries(suiteResult.summary).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ')}`);
  }

  const modulePath = browserModulePath(runtime, options.outDir);
  const out: CellResult[] = [];
  for (const cell of cells) {
    const r = results.get(cell.property.id);
    if (!r) continue;
    const verdict = verdictOf(r);
    const explanation = hung.has(cell.property.id) ? undefined : runtime.explained[cell.property.id];
    const differs = verdict === 'differs';
    // A runtime that throws (rather than answering wrongly) has no judged call: its case's call is the repro.
    const call = r.failingCall ?? (r.counterexample !== undefined ? { op: cell.op, args: encodeValue(cellArguments(cell.op, r.counterexample as CellCase)) } : undefined);
    const repro = differs && call && modulePath ? await confirmInPage(r, call, runtime, modulePath, options, browser, limits, deadline) : undefined;
    out.push({
      op: cell.op, column: cell.column, verdict, worstRatio: r.worstRatio ?? 0, cases: r.numRuns, declined: r.unsupported,
      ...(differs ? { error: r.error, counterexample: r.counterexample } : {}),
      ...(explanation ? { explanation } : {}),
      ...(r.status === 'unexpected pass' ? { stale: true } : {}),
      ...(repro ? { repro } : {}),
    });
    if (differs) log(`  ${cell.property.id}: ${explanation ? 'explained' : 'UNEXPLAINED'}${repro ? `, repro ${repro.failsOnRuntime && repro.passesOnReference ? 'confirmed' : 'NOT confirmed'}` : ', no repro'}`);
  }
  return { ...base, cells: out, ...(suiteResult ? { suite: suiteResult } : {}), durationMs: durationMs() };
}

/** Writes a difference's repro (and its float32-reference twin), and confirms it with the page's replay. */
async function confirmInPage(
  result: PropertyResult, call: FailingCall, runtime: MatrixRuntime, modulePath: string, options: MatrixRunOptions,
  browser: RuntimesBrowser, limits: Required<ChromiumLimits>, deadline: number,
): Promise<CellResult['repro']> {
  const script = join(options.outDir, 'repros', runtime.name, `${result.id.replace(/^matrix:/, '').replace(/:/g, '-')}.repro.mts`);
  const referenceTwin = script.replace(/\.repro\.mts$/, '.reference.mts');
  mkdirSync(dirname(script), { recursive: true });
  const harness = importPath(script, join(REPO_ROOT, 'properties', 'index.ts'));
  writeFileSync(script, browserReproHeader(runtime) + reproScript({ property: result.id, backend: runtime.name, modulePath: importPath(script, modulePath), harness, call }));
  writeFileSync(referenceTwin, reproScript({ property: result.id, backend: 'reference-float32', modulePath: importPath(referenceTwin, REFERENCE_MODULE), harness, call }));
  const scriptName = relative(options.outDir, script);
  if (options.checkRepros === false) return { script: scriptName, failsOnRuntime: false, passesOnReference: false, output: 'not run (--no-check)' };
  const poke: { reset?: () => void } = {};
  try {
    const page = await watched(browser.fresh(), Math.max(limits.cellTimeoutMs, PAGE_LOAD_MS), Math.max(deadline, Date.now() + PAGE_LOAD_MS), poke);
    const r = await watched(
      page.evaluate(`runtimes.replay(${JSON.stringify(runtime.name)}, ${JSON.stringify(call)})`) as Promise<ReplayResult>,
      limits.cellTimeoutMs, Math.max(deadline, Date.now() + limits.cellTimeoutMs), poke,
    );
    return { script: scriptName, failsOnRuntime: r.failsOnRuntime, passesOnReference: r.passesOnReference, output: lastLines(r.messages) };
  } catch (error) {
    await browser.close();
    const why = error instanceof Hung ? error.message : (error as Error).message.split('\n')[0];
    return { script: scriptName, failsOnRuntime: false, passesOnReference: false, output: `the replay in the page did not answer: ${why}` };
  }
}

// ---- every browser runtime --------------------------------------------------------------------

/**
 * The matrix on each of `runtimes` in one headless Chromium. Never throws for what a runtime or the
 * browser does: a runtime that cannot start comes back with `unavailable` (every one of them, with
 * chromiumUnavailableReason(), when there is no browser).
 */
export async function runMatrixInChromium(runtimes: readonly MatrixRuntime[], options: MatrixRunOptions, limits: ChromiumLimits = {}): Promise<RuntimeResult[]> {
  const all = { ...DEFAULT_LIMITS, ...limits };
  const log = options.log ?? (() => {});
  const unavailable = (why: string) => runtimes.map((r): RuntimeResult => ({ name: r.name, title: r.title, where: r.where, unavailable: why, cells: [], durationMs: 0 }));
  const notInChromium = runtimes.filter((r) => r.where !== 'chromium');
  if (notInChromium.length) throw new TypeError(`runMatrixInChromium runs browser runtimes only; ${notInChromium.map((r) => r.name).join(', ')} run${notInChromium.length === 1 ? 's' : ''} in ${notInChromium[0].where} (runMatrixOn)`);
  if (runtimes.length === 0) return [];
  const reason = chromiumUnavailableReason();
  if (reason) return unavailable(reason);
  let server: HarnessServer;
  try {
    server = await startHarnessServer(0, { runtimesPage: true });
  } catch (error) {
    return unavailable(`the runtimes page did not build or serve: ${(error as Error).message.split('\n')[0]}`);
  }
  const browser = new RuntimesBrowser(server);
  const results: RuntimeResult[] = [];
  try {
    for (const runtime of runtimes) {
      log(`${runtime.name} (${runtime.title}), in headless Chromium:`);
      const r = await runOne(runtime, options, browser, all);
      log(r.unavailable ? `  not run: ${r.unavailable}` : `  ${r.cells.filter((c) => c.verdict === 'differs').length} differences, ${(r.durationMs / 1000).toFixed(0)} s`);
      results.push(r);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return results;
}
