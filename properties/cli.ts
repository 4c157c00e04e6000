#!/usr/bin/env node
/**
 * `npx d2l-convnet-harness check ./my-backend.ts` (in this repository `npm run harness -- check …`): the property suite against a backend in a module of
 * your own, with a readable summary, JSON and JUnit reports, and exit code 1 on an unexpected
 * failure. `--help` lists the options; the README's "Running the suite against your own backend" explains.
 */
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { implementedOperations, type Backend, type OperationName, type PartialBackend } from '../kernels/backend.ts';
import { benchModule, planBench } from '../bench/moduleBench.ts';
import { declined, formatNotTimed, formatTable } from '../bench/report.ts';
import { backendFromModule, type BackendModule } from './backendModule.ts';
import { harnessRoot, loadRegressions, storeRegression } from './regressions.ts';
import { formatSummary, junitXml, mergeReports, suiteReport, type SuiteReport } from './reports.ts';
import { reproScript } from './repro.ts';
import { ALL_PROPERTIES } from './all.ts';
import { assertSelectable, DEFAULT_SEED, describeFailure, runPropertySuite, selectProperties } from './suite.ts';

const HELP = `usage: d2l-convnet-harness check MODULE [options]
       d2l-convnet-harness bench MODULE [bench options]
       d2l-convnet-harness merge REPORT.json... [--json FILE] [--junit FILE]
       d2l-convnet-harness repro FILE.repro.mts
(in the harness's own repository: npm run harness -- check MODULE …)

MODULE exports a backend: as default or as createBackend, the backend itself, a (possibly async)
function returning it, or its class (constructed with no arguments). A backend has a name and any of the operations (the package's Backend type);
the ones it lacks are reported as not implemented. It may also export expectedDifferences:
[{ property, reason, link?, when? }], the properties it is known to fail (when: only the cases this
predicate on the property's case is true of, as counterexamples print it).

options:
  --ops LIST        judge only these operations (comma-separated; each one the backend implements):
                    a property that needs another is reported 'not selected', the others' rows too
  --seed N          fast-check seed (default ${DEFAULT_SEED}, CI's)
  --runs N          cases per property (default 20)
  --errors MODE     bad-input contract: port (an error named OperatorInputError or with code
                    ERR_OPERATOR_INPUT, message starting with the operation's name; default) or strict
                    (the reference's messages byte for byte)
  --json FILE       write the report as JSON
  --junit FILE      write the report as JUnit XML
  --record DIR      store each failure's shrunk case in DIR/<property>.json (never in the harness's own files);
                    the cases already in DIR run first, every time, after the harness's own stored ones
  --shard K/N       run only the K-th of N shares of the properties (K from 1), e.g. one per CI machine;
                    merge joins their --json reports into one
  --property ID     run only this property (with --seed and --path: replay one failure, as each failure prints)
  --path PATH       fast-check's replay path of a failure
  --repro DIR       write each conformance failure as DIR/<property>.repro.mts: its concrete inputs and a
                    script that calls your module and the reference (run it with the repro command; exit 1 while it fails);
                    a later run removes the repro of a property that passes now
  --help            this text

bench MODULE: each case of the bench (LeNet's layers at batch 256, larger conv and pool shapes, the
LeNet training step) on your backend and on the reference in one run: checked against the reference
first (a wrong result is reported, not timed), then timed (tinybench: median, p99, GFLOP/s or
million elements/s, x ref); a case calling an operation the backend lacks is listed as not implemented.
  --quick           the LeNet shapes and the training step only (time 300 ms per figure)
  --ops LIST        only the cases of these operations (conv2d, conv2dBackward, ..., trainStep)
  --shape LIST      only these shapes (lenet-conv1, lenet-conv2, conv3x3, ...)
  --time MS         tinybench's budget per figure (default 1000, --quick 300)
  --no-reference    do not time the reference (no x ref; the check against it still runs)
  --with LIST       in the harness's repository only: also time its own backends (e.g. wasm-simd)
  --json FILE       write every figure as JSON

exit code: 0 when no property failed unexpectedly (bench: every figure right), 1 otherwise, 2 for a usage error.
`;

/** Options of one command only: given to another, they are a usage error rather than silently ignored. */
const CHECK_ONLY = ['seed', 'runs', 'errors', 'junit', 'record', 'repro', 'shard', 'property', 'path'] as const;
const BENCH_ONLY = ['quick', 'shape', 'time', 'no-reference', 'with'] as const;

class UsageError extends Error {}

/** Paths are the caller's: npm runs scripts in the package root, and says where it was called from in INIT_CWD. */
const here = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path);

/**
 * Where a repro script imports the harness from: the package's name when the harness is an
 * installed package (the script then runs anywhere it is installed), else this checkout's source.
 */
const HARNESS_ROOT = harnessRoot();
const INSTALLED = HARNESS_ROOT.split(sep).includes('node_modules');
const PACKAGE = JSON.parse(readFileSync(join(HARNESS_ROOT, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string> };
const HARNESS_IMPORT = INSTALLED ? PACKAGE.name : join(HARNESS_ROOT, 'properties', 'index.ts');
/** This command as the caller typed it: the package's bin, or the repository's npm script. */
const COMMAND = INSTALLED ? `npx ${Object.keys(PACKAGE.bin)[0]}` : 'npm run harness --';

/** From the built package (JavaScript), a TypeScript module needs a loader: tsx's, registered once. */
async function loadTypeScript(): Promise<void> {
  if (import.meta.url.endsWith('.ts')) return; // already running under tsx
  const { register } = await import('tsx/esm/api');
  register();
}

/** The backend a module exports (see backendModule.ts); a module that is not one is a usage error. */
async function loadBackend(path: string): Promise<BackendModule> {
  if (!existsSync(here(path))) throw new UsageError(`${here(path)}: no such file. MODULE is the path of your backend's module, e.g. ./my-backend.ts.`);
  await loadTypeScript();
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(here(path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw commonJsMistake(here(path), error) ?? error;
  }
  try {
    return await backendFromModule(module, path);
  } catch (error) {
    throw error instanceof TypeError ? new UsageError(error.message) : error;
  }
}

/**
 * A usage error when `file` failed to load because it was compiled as CommonJS (a .ts or .js file
 * whose nearest package.json does not say "type": "module", as `npm init` and `npm install` leave
 * it) and so could not load the harness's ES modules; else null.
 */
function commonJsMistake(file: string, error: unknown): UsageError | null {
  const { code, message } = error as { code?: string; message?: string };
  // Node's errors for it: require() of an ES module (a .ts file tsx compiled as CommonJS), or import syntax in a CommonJS .js file.
  const esmFromCommonJs = ['ERR_REQUIRE_CYCLE_MODULE', 'ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE'].includes(code ?? '') || /require\(\) (of )?ES Module|Cannot use import statement outside a module/.test(message ?? '');
  if (!esmFromCommonJs || !/\.(ts|tsx|js)$/.test(file)) return null;
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const manifest = join(dir, 'package.json');
  let type: string | undefined;
  try {
    type = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type : undefined;
  } catch {
    return null; // an unreadable package.json: Node's own error says more
  }
  if (type === 'module') return null;
  return new UsageError(
    `${file} was loaded as CommonJS (${existsSync(manifest) ? `${manifest} has ${type === undefined ? 'no "type"' : `"type": "${type}"`}` : 'no package.json above it'}), ` +
      `so it cannot import the harness, whose modules are ES modules. Fix: run \`npm pkg set type=module\` in ${dir}, or rename the file to ${basename(file).replace(/\.(ts|tsx|js)$/, (e) => (e === '.js' ? '.mjs' : '.mts'))}.`,
  );
}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer; got '${value}'.`);
  return n;
}

/** The command line, or a usage error that names what is wrong and points to --help. */
function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ops: { type: 'string' }, seed: { type: 'string' }, runs: { type: 'string' }, errors: { type: 'string' },
        json: { type: 'string' }, junit: { type: 'string' }, record: { type: 'string' }, repro: { type: 'string' }, shard: { type: 'string' }, property: { type: 'string' }, path: { type: 'string' }, help: { type: 'boolean', default: false },
        quick: { type: 'boolean' }, shape: { type: 'string' }, time: { type: 'string' }, 'no-reference': { type: 'boolean' }, with: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('. ')[0]}. See --help for the options.`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [command, modulePath] = positionals;
  if (command === 'repro') {
    if (!modulePath) throw new UsageError('repro needs the script --repro wrote, e.g. repro ./repros/conv2d-forward-equals-reference.repro.mts.');
    await loadTypeScript();
    await import(pathToFileURL(here(modulePath)).href); // the script exits 1 while the failure lasts
    return 0;
  }
  const write = (file: string, text: string) => {
    mkdirSync(dirname(here(file)), { recursive: true });
    writeFileSync(here(file), text);
    console.log(`wrote ${here(file)}`);
  };
  if (command === 'merge') {
    const files = positionals.slice(1);
    if (files.length === 0) throw new UsageError('merge needs the --json reports of the shards. See --help.');
    const merged = mergeReports(files.map((f) => JSON.parse(readFileSync(here(f), 'utf8')) as SuiteReport));
    console.log(formatSummary(merged));
    if (values.json) write(values.json, `${JSON.stringify(merged, null, 2)}\n`);
    if (values.junit) write(values.junit, junitXml(merged));
    return merged.passed ? 0 : 1;
  }
  if ((command === 'check' || command === 'bench') && !modulePath) throw new UsageError(`${command} needs the module that exports your backend, e.g. ${command} ./my-backend.mjs. See --help.`);
  const misplaced = (command === 'bench' ? CHECK_ONLY : command === 'check' ? BENCH_ONLY : []).filter((o) => values[o] !== undefined);
  if (misplaced.length) throw new UsageError(`--${misplaced[0]} is not an option of ${command}. See --help.`);
  if (command === 'bench') return bench(modulePath, values);
  if (command !== 'check') throw new UsageError(`expected 'check MODULE', 'bench MODULE', 'merge REPORT.json...' or 'repro FILE'; got '${positionals.join(' ')}'. See --help.`);
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer; got '${values.seed}'.`);
  const numRuns = positiveInteger('runs', values.runs, 20);
  const errorContract = values.errors ?? 'port';
  if (errorContract !== 'port' && errorContract !== 'strict') throw new UsageError(`--errors must be port or strict; got '${values.errors}'.`);
  const ops = values.ops?.split(',').map((s) => s.trim()).filter(Boolean);
  if (ops?.length === 0) throw new UsageError(`--ops needs the operations to judge, comma-separated, e.g. --ops conv2d,maxPool2d; got '${values.ops}'.`);
  if (values.property !== undefined && !ALL_PROPERTIES.some((p) => p.id === values.property)) {
    throw new UsageError(`--property: the suite has no property '${values.property}'. Known: ${ALL_PROPERTIES.map((p) => p.id).join(', ')}.`);
  }

  const shard = values.shard?.match(/^(\d+)\/(\d+)$/);
  if (values.shard !== undefined && (!shard || Number(shard[1]) < 1 || Number(shard[1]) > Number(shard[2]))) {
    throw new UsageError(`--shard must be K/N with 1 <= K <= N, e.g. 2/4; got '${values.shard}'.`);
  }

  const { backend: loaded, expectedDifferences: expected } = await loadBackend(modulePath);
  try {
    assertSelectable(loaded, ops); // before any work: an operation the backend lacks would be judged by nothing
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
  // A shard is every N-th property from the K-th on, in the suite's fixed order: shards never overlap and together cover all.
  const sharded = shard ? selectProperties(loaded).map((p) => p.id).filter((_, i) => i % Number(shard[2]) === Number(shard[1]) - 1) : undefined;
  const only = values.property ? [values.property] : sharded;
  const found = await runPropertySuite(loaded, {
    seed, numRuns, errorContract, expectedDifferences: expected, only, path: values.path, ops: ops as OperationName[] | undefined,
    // The cases that caught real bugs and mutants (shipped with the harness), then the caller's own.
    regressionCases: (id) => [...loadRegressions(id), ...(values.record ? loadRegressions(id, here(values.record)) : [])].map((r) => r.case),
    onCounterexample: values.record
      ? (id, c, r) => storeRegression(id, { name: `${r.backend}, seed ${r.seed}`, found: new Date().toISOString().slice(0, 10), case: c }, here(values.record!))
      : undefined,
  });
  (loaded as { dispose?: () => void }).dispose?.();
  // Each failure's replay is this command (the suite's own default names this repository's tests).
  const results = found.map((r) => (r.replay === undefined ? r : {
    ...r, replay: `${COMMAND} check ${modulePath} --property ${r.id} --seed ${r.seed} --runs ${numRuns}${r.counterexamplePath ? ` --path ${r.counterexamplePath}` : ''}${ops ? ` --ops ${ops.join(',')}` : ''}` +
      // The settings the failure depends on: the bad-input contract, and the folder whose stored cases run first.
      `${errorContract !== 'port' ? ` --errors ${errorContract}` : ''}${values.record ? ` --record ${values.record}` : ''}`,
  }));
  const report = suiteReport(loaded.name, seed, numRuns, results, { implemented: implementedOperations(loaded), selected: ops as OperationName[] | undefined, shard: shard !== undefined && shard !== null });
  for (const r of results.filter((p) => !p.passed)) console.log(`${describeFailure(r)}\n`);
  console.log(formatSummary(report));
  if (values.repro) {
    for (const r of results.filter((p) => p.numRuns > 0)) { // one that did not run (not implemented, not selected) says nothing of its old repro
      const script = join(here(values.repro), `${r.id}.repro.mts`);
      if (r.status === 'passed') {
        // An earlier run's repro of a property that passes now: gone, so the folder shows only what fails.
        if (existsSync(script)) {
          unlinkSync(script);
          console.log(`removed ${script}: ${r.id} passes now`);
        }
        continue;
      }
      if (r.passed || !r.failingCall) continue; // declined, or expected to differ, or not one call's failure: an old repro stays
      const fromScript = relative(dirname(script), here(modulePath)).split(sep).join('/'); // relative, so the folder can be committed or moved with the module
      write(script, reproScript({ property: r.id, backend: r.backend, modulePath: fromScript.startsWith('.') ? fromScript : `./${fromScript}`, harness: HARNESS_IMPORT, call: r.failingCall }));
    }
  }
  if (values.json) write(values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (values.junit) write(values.junit, junitXml(report));
  return report.passed ? 0 : 1;
}

/** `bench MODULE`: bench/moduleBench.ts on the module's backend, the table printed, the JSON written; 1 when a figure is wrong. */
async function bench(modulePath: string, values: ReturnType<typeof parseOptions>['values']): Promise<number> {
  const list = (flag: string, v: string | undefined) => {
    const names = v?.split(',').map((s) => s.trim()).filter(Boolean);
    if (names?.length === 0) throw new UsageError(`--${flag} needs a comma-separated list, e.g. --${flag} ${flag === 'shape' ? 'lenet-conv1,lenet-conv2' : 'conv2d,conv2dBackward'}; got '${v}'.`);
    return names;
  };
  const timeMs = values.time === undefined ? (values.quick ? 300 : 1000) : positiveInteger('time', values.time, 0);
  const [ops, shapes, withNames] = [list('ops', values.ops), list('shape', values.shape), list('with', values.with)];
  const { backend } = await loadBackend(modulePath);
  try {
    planBench(backend, { quick: values.quick, ops, shapes }); // before any work: unknown names, or a backend that can run none of the cases
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^bench: /, '').replace(/^ops: /, '--ops: ').replace(/^shapes: /, '--shape: '));
  }
  const others = await repositoryBackends(withNames ?? []);
  const started = performance.now();
  let bench: Awaited<ReturnType<typeof benchModule>>;
  try {
    bench = await benchModule(backend, {
      quick: values.quick, ops, shapes, timeMs, reference: !values['no-reference'], others,
      log: (line) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${line}\n`),
    });
  } finally {
    for (const b of others) b.dispose();
    await (backend as { dispose?: () => unknown }).dispose?.();
  }
  const { results, notImplemented } = bench;
  console.log(formatTable({ results }));
  for (const n of notImplemented) console.log(`not implemented: ${n.shape} ${n.op} (needs ${n.missing.join(', ')})`);
  const notTimed = results.filter((r) => r.status !== 'ok');
  if (notTimed.length) console.log(`${notTimed.length} figure(s) not timed:\n${formatNotTimed(notTimed)}`);
  // Declined (an option the backend cannot express) is not a failure, as in the suite.
  const failed = notTimed.filter((r) => !declined(r));
  if (values.json) {
    const file = here(values.json);
    mkdirSync(dirname(file), { recursive: true });
    const options = { quick: values.quick ?? false, ops, shapes, timeMs, reference: !values['no-reference'], with: withNames };
    writeFileSync(file, `${JSON.stringify({ backend: backend.name, date: new Date().toISOString(), node: process.version, passed: failed.length === 0, options, results, notImplemented }, null, 2)}\n`);
    console.log(`wrote ${file}`);
  }
  return failed.length ? 1 : 0;
}

/**
 * This repository's own backends by name (`--with wasm-simd`), to time beside a module: in a clone
 * only (the package ships the harness, not the kernels). The path is built at run time, so the
 * package's compiler does not pull the kernels in.
 */
async function repositoryBackends(names: readonly string[]): Promise<Backend[]> {
  if (names.length === 0) return [];
  const kernels = join(HARNESS_ROOT, 'kernels', 'index.ts');
  if (INSTALLED || !existsSync(kernels)) {
    throw new UsageError(`--with: the installed package has no kernels of its own; --with ${names.join(',')} works in a clone of the harness (npm run harness -- bench MODULE --with wasm-simd).`);
  }
  const { availableBackends, createBackend } = (await import(pathToFileURL(kernels).href)) as {
    availableBackends(): { name: string; available: boolean; reason?: string }[];
    createBackend(name: string): Backend;
  };
  const statuses = availableBackends();
  return names.map((name) => {
    const status = statuses.find((s) => s.name === name);
    if (!status) throw new UsageError(`--with: no backend '${name}'. Known: ${statuses.map((s) => s.name).join(', ')}.`);
    if (!status.available) throw new UsageError(`--with: ${status.reason}`);
    return createBackend(status.name);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`harness: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
