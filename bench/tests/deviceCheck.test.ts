// npm run device-check runs here against the CPU backends, so a session with a GPU machine only has
// to carry it there and call it: the suite on each backend that starts, the kernel class gpu.js ran,
// and the LeNet step's examples/s, written as JSON. (The packed form, .cache/device/run.sh, is what
// `npm run device-check:prepare` builds; it runs the same script, bundled.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ALL_PROPERTIES } from '../../properties/all.ts';

const root = join(__dirname, '..', '..');

it('device-check on wasm-simd and gpu.js cpu: both start, pass the suite, run CPUKernel, and time the LeNet step', () => {
  const out = mkdtempSync(join(tmpdir(), 'device-check-'));
  const run = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'bench', 'deviceCheck.ts'), '--backend', 'wasm-simd,cpu', '--runs', '2', '--time', '200', '--out', out], { cwd: root, encoding: 'utf8' });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  const report = JSON.parse(readFileSync(join(out, 'device-check.json'), 'utf8'));
  const byName = Object.fromEntries(report.checks.map((c: { name: string }) => [c.name, c]));
  expect(byName['wasm-simd'].suite.failed).toBe(0);
  expect(byName['wasm-simd'].variant).toMatch(/build/);
  expect(byName.cpu.kernelClasses).toEqual({ expected: 'CPUKernel', ran: ['CPUKernel'] });
  for (const name of ['wasm-simd', 'cpu']) {
    expect(byName[name].lenetStep.status).toBe('ok');
    expect(byName[name].lenetStep.examplesPerSecond).toBeGreaterThan(0);
  }
  expect(run.stdout).toMatch(new RegExp(`^wasm-simd +yes +${ALL_PROPERTIES.length} passed, 0 failed +\\d+ ex/s$`, 'm'));
}, 300_000);
