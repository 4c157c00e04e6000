/**
 * `npm run bench`: every operation on named shapes, on every available backend plus the reference,
 * checked against the reference before it is timed. `--help` lists the options; the README explains
 * how to read the table, the JSON and the chart.
 */
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { availableBackends, createBackend, type Backend, type BackendName } from '../kernels/index.ts';
import { overriding } from '../kernels/backend.ts';
import { createWasmSimdBackend } from '../kernels/wasmSimd/index.ts';
import { benchCases } from './cases.ts';
import { measureMachineLimit } from './machineLimit.ts';
import { timeCase } from './timing.ts';
import { timeJsPeers } from './jsPeers.ts';
import { declined, formatComparison, formatNotTimed, formatPeers, formatSvg, formatTable, type BenchReport, type BenchResult } from './report.ts';
import { isMain } from './isMain.ts';

const HELP = `npm run bench -- [options]

  --quick            the LeNet shapes and the training step only, shorter timing (a few minutes)
  --op LIST          only these operations (comma-separated, e.g. conv2d,conv2dBackward)
  --backend LIST     only these backends (reference is always the baseline unless listed out)
  --shape LIST       only these shapes (e.g. lenet-conv2,conv3x3)
  --time MS          timing budget per figure (default 1000, --quick 300)
  --compare FILE     ratio of every figure to an earlier result JSON, regressions flagged
  --out DIR          where the JSON and SVG go (default bench/results)
  --browser          also time gpu.js's webgl2, webgl and webgpu backends in headless Chromium
  --builds           also time wasm-simd's plain build (no FMA) beside the one that runs by default
  --no-peers         skip the peers: TensorFlow.js wasm (1 thread) and ONNX Runtime Web wasm (1 and 2
                     threads), timed by default in this run on the same cases (forward ops) after ours
GL needs a display: xvfb-run -a npm run bench`;

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const packageVersion = (name: string) => readJson(join('node_modules', ...name.split('/'), 'package.json')).version as string;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false }, op: { type: 'string' }, backend: { type: 'string' }, shape: { type: 'string' },
      time: { type: 'string' }, compare: { type: 'string' }, out: { type: 'string', default: 'bench/results' }, help: { type: 'boolean', default: false },
      browser: { type: 'boolean', default: false }, builds: { type: 'boolean', default: false }, 'no-peers': { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(HELP);
  const timeMs = values.time ? Number(values.time) : values.quick ? 300 : 1000;
  const [ops, shapes, backendsWanted] = [list(values.op), list(values.shape), list(values.backend)];
  const earlier = values.compare ? (readJson(values.compare) as BenchReport) : undefined;

  process.stderr.write('measuring the machine limit (wasm SIMD mul+add loop, 1 thread and all cores)...\n');
  const limit = await measureMachineLimit();
  console.log(`machine limit: ${limit.oneThread.toFixed(1)} GFLOP/s on 1 thread, ${limit.allCores.toFixed(1)} on ${limit.cores} cores (${limit.method})`);
  if (limit.withoutFma) console.log(`  without FMA (mul+add): ${limit.withoutFma.oneThread.toFixed(1)} GFLOP/s on 1 thread, ${limit.withoutFma.allCores.toFixed(1)} on ${limit.cores} cores`);

  const statuses = availableBackends();
  const backendNames = statuses.filter((b) => b.available && (!backendsWanted || backendsWanted.includes(b.name))).map((b) => b.name as BackendName);
  for (const b of statuses.filter((s) => !s.available)) console.log(`skipped ${b.name}: ${b.reason}`);
  for (const b of statuses.filter((s) => s.available && s.variant)) console.log(`${b.name}: ${b.variant}`);
  const cases = benchCases().filter((c) => (!values.quick || c.quick) && (!ops || ops.includes(c.op)) && (!shapes || shapes.includes(c.shape)));
  if (cases.length === 0) throw new Error('no benchmark matches --op/--shape/--quick; run with --help for the names.');

  const results: BenchResult[] = [];
  let total = cases.length * backendNames.length;
  let done = 0;
  const started = performance.now();
  // Each backend to time, under the name its rows carry; --builds adds wasm-simd's plain build after the default one.
  const runs: { name: string; create: () => Backend }[] = backendNames.flatMap((name) => [
    { name, create: () => createBackend(name) },
    ...(values.builds && name === 'wasm-simd' ? [{ name: 'wasm-simd plain', create: () => overriding(createWasmSimdBackend({ build: 'plain' }), { name: 'wasm-simd plain' }) }] : []),
  ]);
  total = cases.length * runs.length;
  for (const { name, create } of runs) {
    const backend = create();
    for (const c of cases) {
      if (c.appliesTo && !c.appliesTo(backend)) {
        total--;
        continue;
      }
      done++;
      const elapsed = (performance.now() - started) / 1000;
      process.stderr.write(`[${done}/${total}] ${name} ${c.shape} ${c.op} (${elapsed.toFixed(0)} s elapsed)\n`);
      const r = await timeCase(backend, c, timeMs);
      if (r.status !== 'ok') process.stderr.write(`  ${formatNotTimed([r])}\n`);
      const baseline = results.find((b) => b.backend === 'reference' && b.shape === c.shape && b.op === c.op);
      results.push({
        ...r,
        speedupOverReference: baseline?.throughput && r.throughput ? r.throughput / baseline.throughput : undefined,
        shareOfLimit: c.unit === 'flop' && r.throughput ? r.throughput / limit.allCores : undefined,
      });
    }
    backend.dispose();
  }

  if (values.browser) {
    for (const r of await browserResults({ quick: values.quick, timeMs, shapes, ops })) {
      const baseline = results.find((b) => b.backend === 'reference' && b.shape === r.shape && b.op === r.op);
      results.push({
        ...r,
        speedupOverReference: baseline?.throughput && r.throughput ? r.throughput / baseline.throughput : undefined,
        shareOfLimit: r.unit === 'flop' && r.throughput ? r.throughput / limit.allCores : undefined,
      });
    }
  }

  if (!values['no-peers']) {
    for (const r of timeJsPeers({ quick: values.quick, timeMs, shapes, ops }, (line) => process.stderr.write(`${line}\n`))) {
      if (r.status !== 'ok') process.stderr.write(`  ${formatNotTimed([r])}\n`);
      const baseline = results.find((b) => b.backend === 'reference' && b.shape === r.shape && b.op === r.op);
      results.push({
        ...r, peer: true,
        speedupOverReference: baseline?.throughput && r.throughput ? r.throughput / baseline.throughput : undefined,
        shareOfLimit: r.unit === 'flop' && r.throughput ? r.throughput / limit.allCores : undefined,
      });
    }
  }

  const gpujsVersion = readJson(join('node_modules', 'gpu.js', 'package.json')).version as string;
  const tinybenchVersion = readJson(join('node_modules', 'tinybench', 'package.json')).version as string;
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: limit.cores, memoryGiB: Math.round(totalmem() / 2 ** 30), platform: `${process.platform} ${process.arch}`, node: process.version },
    versions: { gpujs: gpujsVersion, tinybench: tinybenchVersion, tfjs: packageVersion('@tensorflow/tfjs-core'), onnxruntimeWeb: packageVersion('onnxruntime-web') },
    limit,
    backends: statuses,
    options: { quick: values.quick, ops, shapes, backends: backendsWanted, timeMs },
    results,
  };
  console.log(`\n${formatTable(report)}\n`);
  const lenetStep = results.filter((r) => r.op === 'trainStep' && r.medianMs).sort((a, b) => (a.medianMs as number) - (b.medianMs as number));
  for (const r of lenetStep) console.log(`LeNet training step on ${r.backend}: ${(256 / ((r.medianMs as number) / 1000)).toFixed(0)} examples/s`);
  for (const r of lenetStep) {
    const copying = results.find((c) => c.op === 'trainStepCopying' && c.backend === r.backend && c.medianMs);
    if (copying) console.log(`  residency on ${r.backend}: ${((copying.medianMs as number) / (r.medianMs as number)).toFixed(2)}x faster than copying every tensor in and out (${(256 / ((copying.medianMs as number) / 1000)).toFixed(0)} examples/s)`);
  }
  if (lenetStep[0]) console.log(`fastest backend here (LeNet training step): ${lenetStep[0].backend}; npm run lenet uses it by default`);
  console.log(`\n${formatPeers(report)}`);
  if (earlier) console.log(`\ncompared with ${values.compare}:\n${formatComparison(report, earlier)}`);
  mkdirSync(values.out, { recursive: true });
  const stem = join(values.out, `bench-${report.date.replace(/[:.]/g, '-')}${values.quick ? '-quick' : ''}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${stem}.svg`, formatSvg(report));
  copyFileSync(`${stem}.json`, join(values.out, 'latest.json'));
  copyFileSync(`${stem}.svg`, join(values.out, 'latest.svg'));
  console.log(`wrote ${stem}.json and ${stem}.svg (also latest.json / latest.svg)`);
  const notTimed = results.filter((r) => r.status !== 'ok');
  if (notTimed.length > 0) console.log(`${notTimed.length} figure(s) not timed:\n${formatNotTimed(notTimed)}`);
  if (notTimed.some((r) => !declined(r))) process.exitCode = 1; // declined: an option the backend cannot express, as the suite counts it
}

/** The bench's cases timed inside headless Chromium on gpu.js's browser backends (the page's own clock). */
async function browserResults(o: { quick: boolean; timeMs: number; shapes?: string[]; ops?: string[] }): Promise<Omit<BenchResult, 'speedupOverReference' | 'shareOfLimit'>[]> {
  const { startHarnessServer } = await import('../properties/browser/server.ts');
  const { openPage } = await import('../properties/browser/chromium.ts');
  const server = await startHarnessServer();
  const session = await openPage(server.url);
  const out: Omit<BenchResult, 'speedupOverReference' | 'shareOfLimit'>[] = [];
  try {
    for (const mode of ['webgl2', 'webgl', 'webgpu'] as const) {
      process.stderr.write(`browser ${mode}: timing in headless Chromium...\n`);
      const { figures, executedClasses } = (await session.page.evaluate(
        ({ mode, options }) => (globalThis as unknown as { harness: { bench(m: string, o: unknown): Promise<unknown> } }).harness.bench(mode, options),
        { mode, options: { quick: o.quick, timeMs: o.timeMs, shapes: o.shapes } },
      )) as { figures: Omit<BenchResult, 'speedupOverReference' | 'shareOfLimit'>[]; executedClasses: string[] };
      const expected = { webgl2: 'WebGL2Kernel', webgl: 'WebGLKernel', webgpu: 'WebGPUKernel' }[mode];
      const ranRight = executedClasses.every((c) => c === expected);
      for (const f of figures.filter((f) => !o.ops || o.ops.includes(f.op))) {
        out.push({ ...f, backend: `browser-${mode}`, status: ranRight ? f.status : `error: ran ${executedClasses.join(',')}, not ${expected}` });
      }
    }
  } finally {
    await session.close();
    await server.close();
  }
  return out;
}

// Run only as the script (the tests import timeCase without starting a benchmark).
if (isMain(import.meta.url)) {
  main().catch((error: Error) => {
    console.error(`bench: ${error.message}`);
    process.exit(1);
  });
}
