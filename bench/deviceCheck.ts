/**
 * `npm run device-check`: what a machine's GPU (or CPU) does with this project, in one command.
 * For every kernel backend that starts here (gpu.js's cpu, webasm, headlessgl and webgpu modes, and
 * wasm-simd), the whole property suite (the CI seed, the stored regressions first) and the check
 * that gpu.js ran the kernel class asked for; then the LeNet training step's examples/s (batch 256,
 * checked op by op before it is timed). A backend that does not start is listed with the reason.
 * Exit 1 when a backend that started fails a property or ran another kernel class.
 *
 * On a device machine with no network it runs from what `npm run device-check:prepare` puts in
 * .cache/device/ (a standalone Node, this script bundled, the native modules): see the README.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { availableBackends, createBackend, type BackendName, type GpuJsBackend } from '../kernels/index.ts';
import { EXPECTED_KERNEL_CLASS } from '../kernels/gpujs/runtime.ts';
import { loadRegressions } from '../properties/regressions.ts';
import { numRunsFor } from '../properties/settings.ts';
import { DEFAULT_SEED, describeFailure, runPropertySuite } from '../properties/suite.ts';
import { benchCases } from './cases.ts';
import { timeCase } from './timing.ts';

const HELP = `npm run device-check -- [options]

  --out DIR       where device-check.json goes (default: $OUT when set, else bench/results)
  --backend LIST  only these backends (default: every kernel backend that starts)
  --time MS       timing budget of the LeNet step per backend (default 2000)
  --runs N        cases per property (default: the suite's per-backend count)`;

interface BackendCheck {
  readonly name: string;
  readonly available: boolean;
  readonly reason?: string;
  readonly variant?: string;
  readonly suite?: { readonly passed: number; readonly failed: number; readonly other: number; readonly seconds: number; readonly failures: readonly string[] };
  readonly kernelClasses?: { readonly expected: string; readonly ran: readonly string[] };
  readonly lenetStep?: { readonly examplesPerSecond?: number; readonly medianMs?: number; readonly status: string; readonly errorRatio: number; readonly errorMessage?: string };
}

/** What the machine says about its GPU, where nvidia-smi is there. */
function gpuInfo(): string {
  const smi = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8' });
  return smi.status === 0 ? smi.stdout.trim() : `no nvidia-smi (${smi.error?.message ?? smi.stderr.trim()})`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, backend: { type: 'string' }, time: { type: 'string', default: '2000' }, runs: { type: 'string' }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const wanted = values.backend?.split(',').map((s) => s.trim());
  const step = benchCases().find((c) => c.op === 'trainStep')!;
  const gpu = gpuInfo();
  console.log(`GPU: ${gpu}\nCPU: ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}, Node ${process.version}`);
  const checks: BackendCheck[] = [];
  for (const status of availableBackends().filter((b) => !b.oracle && (!wanted || wanted.includes(b.name)))) {
    if (!status.available) {
      console.log(`\n${status.name}: does not start here: ${status.reason}`);
      checks.push({ name: status.name, available: false, reason: status.reason });
      continue;
    }
    console.log(`\n${status.name}${status.variant ? ` (${status.variant})` : ''}: the property suite...`);
    const backend = createBackend(status.name as BackendName);
    const started = performance.now();
    const results = await runPropertySuite(backend, {
      seed: DEFAULT_SEED,
      numRuns: values.runs ? Number(values.runs) : numRunsFor(status),
      regressionCases: (id) => loadRegressions(id).map((r) => r.case),
    });
    const failures = results.filter((r) => !r.passed);
    for (const r of failures) console.log(describeFailure(r));
    const suite = {
      passed: results.filter((r) => r.status === 'passed').length, failed: failures.length, other: results.filter((r) => r.passed && r.status !== 'passed').length,
      seconds: (performance.now() - started) / 1000, failures: failures.map((r) => `${r.id}: ${r.error}`),
    };
    console.log(`  ${suite.passed} passed, ${suite.failed} failed in ${suite.seconds.toFixed(1)} s`);
    const expected = EXPECTED_KERNEL_CLASS[status.name as keyof typeof EXPECTED_KERNEL_CLASS];
    const kernelClasses = expected ? { expected, ran: [...(backend as GpuJsBackend).executedKernelClasses()] } : undefined;
    if (kernelClasses) console.log(`  kernel classes that ran: ${kernelClasses.ran.join(', ') || 'none'} (expected ${expected})`);
    process.stderr.write('  LeNet training step...\n');
    const timed = await timeCase(backend, step, Number(values.time));
    const lenetStep = {
      status: timed.status, errorRatio: timed.errorRatio, medianMs: timed.medianMs, examplesPerSecond: timed.medianMs ? (256 * 1000) / timed.medianMs : undefined,
      ...(timed.errorMessage ? { errorMessage: timed.errorMessage } : {}),
    };
    console.log(`  LeNet training step: ${lenetStep.examplesPerSecond ? `${lenetStep.examplesPerSecond.toFixed(0)} examples/s (${timed.medianMs!.toFixed(1)} ms at batch 256)` : `${timed.status}${timed.errorMessage ? `: ${timed.errorMessage}` : ''}`}`);
    backend.dispose();
    checks.push({ name: status.name, available: true, ...(status.variant ? { variant: status.variant } : {}), suite, kernelClasses, lenetStep });
  }
  console.log('\nbackend      starts  suite                 LeNet step');
  for (const c of checks) {
    const suite = c.suite ? `${c.suite.passed} passed, ${c.suite.failed} failed` : '-';
    const lenet = c.lenetStep?.examplesPerSecond ? `${c.lenetStep.examplesPerSecond.toFixed(0)} ex/s` : (c.lenetStep?.status ?? '-');
    console.log(`${c.name.padEnd(12)} ${(c.available ? 'yes' : 'no').padEnd(7)} ${suite.padEnd(21)} ${lenet}`);
  }
  const out = values.out ?? process.env.OUT ?? 'bench/results';
  mkdirSync(out, { recursive: true });
  const file = join(out, 'device-check.json');
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), gpu, cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, checks }, null, 2)}\n`);
  console.log(`wrote ${file}`);
  const bad = checks.some((c) => (c.suite?.failed ?? 0) > 0 || (c.kernelClasses && c.kernelClasses.ran.some((k) => k !== c.kernelClasses!.expected)) || (c.lenetStep && c.lenetStep.status !== 'ok'));
  return bad ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`device-check: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
