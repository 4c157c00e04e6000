// The harness as a porting team gets it: `npm pack`, installed from the tarball into a fresh project
// that has nothing of this repository, then its command run on that project's own TypeScript modules.
// The README's walkthrough backend (conv2d and maxPool2d) exits 0 with the rest not implemented; an
// off-by-one one exits 1 and writes a repro that fails when run; the JUnit report is written; the
// shipped types check under Node's own module resolution (nodenext), so an unbundled project gets them.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_PROPERTIES } from '../all.ts';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const project = mkdtempSync(join(tmpdir(), 'harness-consumer-'));
const bin = join(project, 'node_modules', '.bin', 'd2l-convnet-harness');

/** The README's walkthrough backend, exactly as printed there. */
const readmeBackend = readFileSync(join(root, 'README.md'), 'utf8').match(/```typescript\n(\/\/ my-backend\.ts:[\s\S]*?)```/)![1];

// A port with padding one row off: its types and the reference's validation come from the installed package.
const offByOne = `import type { PartialBackend, Tensor } from 'd2l-convnet-harness';
import { conv2d, resolvePadding, validate, type Conv2dOptions } from 'd2l-convnet-harness/reference';

class ConvOnly implements PartialBackend {
  readonly name = 'off-by-one';
  async conv2d(x: Tensor, w: Tensor, b: Tensor | null, options: Conv2dOptions = {}): Promise<Tensor> {
    validate.conv2d(x, w, b, options); // the reference's errors for bad input, before any work
    const p = resolvePadding('conv2d', options.padding ?? 0);
    const y = conv2d(x, w, b, { ...options, padding: { ...p, top: p.top + 1, bottom: Math.max(0, p.bottom - 1) } });
    return { shape: y.shape, data: Float32Array.from(y.data) };
  }
}
export const createBackend = () => new ConvOnly();
`;

function run(command: string, args: string[]) {
  const r = spawnSync(command, args, { cwd: project, encoding: 'utf8', env: { ...process.env, INIT_CWD: project } });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('the packed package, installed in a fresh project', () => {
  beforeAll(() => {
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.package.json')], { cwd: root, stdio: 'pipe' });
    // --ignore-scripts: the prepack script is the tsc run above.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', project], { cwd: root, stdio: 'pipe' });
    const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'))!;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-port', private: true, type: 'module' }));
    const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`], { cwd: project, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    // The package asks to run no script of its own on install (the wasm build is this repository's, before each command that needs it).
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'd2l-convnet-harness', 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    expect(Object.keys(installed.scripts ?? {}).filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s))).toEqual([]);
    expect(install.stderr).not.toMatch(/d2l-convnet-harness@[^ ]+ \(/);
    writeFileSync(join(project, 'my-backend.ts'), readmeBackend);
    writeFileSync(join(project, 'off-by-one.ts'), offByOne);
  }, 300_000);

  it('ships its types: the README\'s backend typechecks against them under nodenext resolution', () => {
    const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), [
      '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node',
      '--typeRoots', join(root, 'node_modules', '@types'), 'my-backend.ts', 'off-by-one.ts',
    ], { cwd: project, encoding: 'utf8' });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    // And a wrong use of them is an error, so the check above is not vacuous (types resolving to any).
    writeFileSync(join(project, 'wrong.ts'), `import type { PartialBackend } from 'd2l-convnet-harness';\nexport const b: PartialBackend = { name: 1 };\n`);
    const wrong = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', 'wrong.ts'], { cwd: project, encoding: 'utf8' });
    expect(wrong.stdout).toMatch(/Type 'number' is not assignable to type 'string'/);
  });

  it('the README\'s backend: exit 0, conv2d and max pooling passed, every other operation not implemented, JUnit written', () => {
    const { code, out } = run(bin, ['check', './my-backend.ts', '--runs', '5', '--json', 'report.json', '--junit', 'report.xml']);
    expect(code, out).toBe(0);
    const report = JSON.parse(readFileSync(join(project, 'report.json'), 'utf8'));
    const status = Object.fromEntries(report.results.map((r: { id: string; status: string }) => [r.id, r.status]));
    expect(status['conv2d-forward-equals-reference']).toBe('passed');
    expect(status['maxpool2d-equals-reference']).toBe('passed');
    expect(status['avgpool2d-equals-reference']).toBe('not implemented');
    expect(out).toMatch(/^ {2}relu-equals-reference +not implemented +missing relu, reluBackward$/m);
    expect(report.results.filter((r: { status: string }) => r.status === 'failed')).toEqual([]);
    // The shipped regression cases ran too: more cases than the 5 generated.
    expect(report.results.find((r: { id: string }) => r.id === 'conv2d-forward-equals-reference').numRuns).toBeGreaterThan(5);
    expect(readFileSync(join(project, 'report.xml'), 'utf8')).toMatch(new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\n<testsuites[^>]*>\n {2}<testsuite name="my-backend" tests="${ALL_PROPERTIES.length}" failures="0"`));
  });

  it('the same backend judged on conv2d forward alone (--ops conv2d): exit 0, max pooling not selected, the rest not implemented', () => {
    const { code, out } = run(bin, ['check', './my-backend.ts', '--runs', '3', '--ops', 'conv2d', '--json', 'conv2d.json']);
    expect(code, out).toBe(0);
    const report = JSON.parse(readFileSync(join(project, 'conv2d.json'), 'utf8'));
    expect(report.implemented).toEqual(['conv2d', 'maxPool2d']);
    expect(report.selected).toEqual(['conv2d']);
    expect(report.operations.filter((o: { status: string }) => o.status !== 'not implemented').map((o: { op: string; status: string }) => `${o.op} ${o.status}`)).toEqual(['conv2d passed', 'maxPool2d not selected']);
    // An operation the backend lacks cannot be selected: exit 2 before any work, not a pass that judged nothing.
    const lacking = run(bin, ['check', './my-backend.ts', '--ops', 'relu']);
    expect(lacking.code, lacking.out).toBe(2);
    expect(lacking.out).toMatch(/--ops: backend 'my-backend' does not implement relu/);
  });

  it('bench: the README\'s backend timed beside the reference from the installed package (tinybench ships with it); --with needs a clone', () => {
    const { code, out } = run(bin, ['bench', './my-backend.ts', '--ops', 'conv2d', '--shape', 'lenet-conv1', '--time', '20', '--json', 'bench.json']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/^lenet-conv1 +conv2d +my-backend +copied +[\d.]+ GFLOP\/s/m);
    expect(JSON.parse(readFileSync(join(project, 'bench.json'), 'utf8')).results.map((r: { backend: string; status: string }) => `${r.backend} ${r.status}`)).toEqual(['reference ok', 'my-backend ok']);
    const clone = run(bin, ['bench', './my-backend.ts', '--with', 'wasm-simd']);
    expect(clone.code).toBe(2);
    expect(clone.out).toMatch(/--with: the installed package has no kernels of its own; --with wasm-simd works in a clone of the harness/);
  });

  it('a backend in a CommonJS project (no "type": "module", as npm init leaves it): exit 2, and the error says how to fix it', () => {
    mkdirSync(join(project, 'cjs'), { recursive: true });
    writeFileSync(join(project, 'cjs', 'package.json'), JSON.stringify({ name: 'cjs-port', private: true }));
    writeFileSync(join(project, 'cjs', 'my-backend.ts'), readmeBackend);
    const { code, out } = run(bin, ['check', './cjs/my-backend.ts', '--runs', '3']);
    expect(code, out).toBe(2);
    expect(out).toMatch(/my-backend\.ts was loaded as CommonJS \(\S+package\.json has no "type"\).*Fix: run `npm pkg set type=module` in \S+cjs, or rename the file to my-backend\.mts\./);
  });

  it('the off-by-one port: exit 1, and a repro that imports the package by name and fails when run', () => {
    const { code, out } = run(bin, ['check', './off-by-one.ts', '--runs', '5', '--ops', 'conv2d', '--repro', 'repros']);
    expect(code, out).toBe(1);
    expect(out).toMatch(/conv2d-forward-equals-reference failed on backend 'off-by-one'/);
    // The printed replay is the installed command, and it fails the same way.
    const replay = out.match(/replay: npx d2l-convnet-harness check \.\/off-by-one\.ts --property conv2d-forward-equals-reference --seed (\d+) --runs 5 --path (\S+) --ops conv2d/);
    expect(replay, out).not.toBeNull();
    const again = run(bin, ['check', './off-by-one.ts', '--property', 'conv2d-forward-equals-reference', '--seed', replay![1], '--runs', '5', '--path', replay![2], '--ops', 'conv2d']);
    expect(again.code, again.out).toBe(1);
    const script = join(project, 'repros', 'conv2d-forward-equals-reference.repro.mts');
    const text = readFileSync(script, 'utf8');
    expect(text).toMatch(/from "d2l-convnet-harness"/);
    expect(text).toMatch(/import \* as exported from "\.\.\/off-by-one\.ts"/);
    const repro = run(bin, ['repro', script]);
    expect(repro.code, repro.out).toBe(1);
    expect(repro.out).toMatch(/^conv2d: (shape|value)/m);
    expect(repro.out).toMatch(/conv2d: still differs from the reference/);
  });
});
