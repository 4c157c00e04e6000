// The command a porting team runs on its own module: `npm run harness -- check MODULE`. A conv2d-only
// port passes and exits 0 with everything else not implemented; an off-by-one one exits 1, reports
// where, and records its counterexample only where it is told; the JSON and JUnit reports are written.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGRESSIONS_DIR } from '../regressions.ts';
import { ALL_PROPERTIES } from '../all.ts';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'harness-cli-'));
const reference = JSON.stringify(join(root, 'reference', 'index.ts'));

writeFileSync(join(dir, 'good.ts'), `import * as ref from ${reference};
export default {
  name: 'conv-only',
  async conv2d(x: ref.Tensor, w: ref.Tensor, b: ref.Tensor | null, options?: ref.Conv2dOptions) {
    const y = ref.conv2d(x, w, b, options);
    return { shape: y.shape, data: Float32Array.from(y.data) };
  },
};
`);
// A class behind a factory, with padding one row too high: the classic port bug.
writeFileSync(join(dir, 'off-by-one.ts'), `import * as ref from ${reference};
class OffByOne {
  readonly name = 'off-by-one';
  async conv2d(x: ref.Tensor, w: ref.Tensor, b: ref.Tensor | null, options: ref.Conv2dOptions = {}) {
    const p = ref.resolvePadding('conv2d', options.padding ?? 0);
    ref.conv2d(x, w, b, options); // the reference's validation
    const y = ref.conv2d(x, w, b, { ...options, padding: { ...p, top: p.top + 1, bottom: Math.max(0, p.bottom - 1) } });
    return { shape: y.shape, data: Float32Array.from(y.data) };
  }
}
export const createBackend = async () => new OffByOne();
`);

function harness(...args: string[]) {
  const run = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'properties', 'cli.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: run.status, out: run.stdout + run.stderr };
}

describe('npm run harness -- check MODULE', () => {
  it('a conv2d-only port: exit 0, conv2d passed, the rest not implemented, JSON and JUnit written', () => {
    const json = join(dir, 'good.json');
    const junit = join(dir, 'good.xml');
    const { code, out } = harness('check', join(dir, 'good.ts'), '--runs', '5', '--json', json, '--junit', junit);
    expect(code, out).toBe(0);
    expect(out).toMatch(/PASS: \d+ passed, \d+ not implemented/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    const status = Object.fromEntries(report.results.map((r: { id: string; status: string }) => [r.id, r.status]));
    expect(status['conv2d-forward-equals-reference']).toBe('passed');
    expect(status['relu-equals-reference']).toBe('not implemented');
    // How close to its error model the port came: a float32 rounding of the reference uses a sliver of the bound.
    const conv = report.results.find((r: { id: string }) => r.id === 'conv2d-forward-equals-reference');
    expect(conv.worstRatio).toBeGreaterThan(0);
    expect(conv.worstRatio).toBeLessThan(1);
    expect(report.summary.failed).toBe(0);
    // The per-operation table: each operation by family, judged by the conformance properties that use it.
    const op = Object.fromEntries(report.operations.map((o: { op: string; status: string }) => [o.op, o.status]));
    expect(op).toMatchObject({ conv2d: 'passed', conv2dBackward: 'not implemented', relu: 'not implemented' });
    expect(report.implemented).toEqual(['conv2d']);
    expect(out).toMatch(/^ {2}conv2d +passed: conv2d; not implemented: conv2dBackward$/m);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(new RegExp(`<testsuite name="conv-only" tests="${ALL_PROPERTIES.length}" failures="0" skipped="\\d+"`));
    expect(xml).toMatch(/<testcase classname="conv-only" name="relu-equals-reference" time="[\d.]+">\n {6}<skipped message="not implemented: relu, reluBackward"\/>/);
  });

  it('the off-by-one port: exit 1, the failing property with its counterexample, recorded only under --record', () => {
    const record = join(dir, 'found');
    const junit = join(dir, 'bad.xml');
    const before = existsSync(join(REGRESSIONS_DIR, 'conv2d-forward-equals-reference.json')) ? readFileSync(join(REGRESSIONS_DIR, 'conv2d-forward-equals-reference.json'), 'utf8') : '';
    const repro = join(dir, 'repro');
    const { code, out } = harness('check', join(dir, 'off-by-one.ts'), '--runs', '5', '--ops', 'conv2d', '--record', record, '--junit', junit, '--repro', repro);
    expect(code, out).toBe(1);
    expect(out).toMatch(/conv2d-forward-equals-reference failed on backend 'off-by-one'/);
    expect(out).toMatch(/counterexample: \{/);
    expect(out).toMatch(/^ {2}conv2d +failed: conv2d; not implemented: conv2dBackward$/m);
    // The printed replay is this command, and it reproduces the failure.
    const replay = out.match(/replay: npm run harness -- check (\S+) --property conv2d-forward-equals-reference --seed (\d+) --runs 5 --path (\S+) --ops conv2d/);
    expect(replay, out).not.toBeNull();
    const again = harness('check', replay![1], '--property', 'conv2d-forward-equals-reference', '--seed', replay![2], '--runs', '5', '--path', replay![3], '--ops', 'conv2d');
    expect(again.code, again.out).toBe(1);
    expect(again.out).toMatch(/conv2d-forward-equals-reference failed on backend 'off-by-one'/);
    expect(existsSync(join(record, 'conv2d-forward-equals-reference.json'))).toBe(true);
    expect(readFileSync(join(REGRESSIONS_DIR, 'conv2d-forward-equals-reference.json'), 'utf8')).toBe(before); // the harness's own fixtures untouched
    // The repro: concrete values and a script that fails when run, naming what differs.
    const script = join(repro, 'conv2d-forward-equals-reference.repro.mts');
    expect(readFileSync(script, 'utf8')).toMatch(/const args = decodeValue\(\[\{"shape":\[/);
    const run = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [script], { encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^conv2d: (shape|value)/m);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testcase classname="off-by-one" name="conv2d-forward-equals-reference" time="[\d.]+">\n {6}<failure message="failed: conv2d: /);
  });

  it('TensorFlow.js\'s CPU backend through the command, with its expected differences: exit 0', () => {
    const { code, out } = harness('check', join(root, 'properties', 'adapters', 'tfjsCpuModule.ts'), '--errors', 'strict', '--runs', '10');
    expect(code, out).toBe(0);
    expect(out).toMatch(/^PASS: \d+ passed.*, \d+ expected difference$/m);
  });

  it('--shard K/N splits the properties across runs without overlap, and merge joins the reports into the whole', () => {
    const shards = [1, 2].map((k) => {
      const json = join(dir, `shard${k}.json`);
      expect(harness('check', join(dir, 'good.ts'), '--runs', '3', '--shard', `${k}/2`, '--json', json).code).toBe(0);
      return json;
    });
    const ids = shards.map((f) => JSON.parse(readFileSync(f, 'utf8')).results.map((r: { id: string }) => r.id) as string[]);
    expect(ids[0].filter((id) => ids[1].includes(id))).toEqual([]);
    const merged = join(dir, 'merged.json');
    const { code, out } = harness('merge', ...shards, '--json', merged);
    expect(code, out).toBe(0);
    expect(JSON.parse(readFileSync(merged, 'utf8')).results).toHaveLength(ALL_PROPERTIES.length);
    expect(harness('merge', shards[0], shards[0]).out).toMatch(/is in more than one report \(overlapping shards\?\)/);
  });

  it('a port that writes into its input: the repro script fails too, saying so (it checks the inputs, not only the result)', () => {
    writeFileSync(join(dir, 'in-place.ts'), `import * as ref from ${reference};
export default {
  name: 'in-place',
  async conv2d(x: ref.Tensor, w: ref.Tensor, b: ref.Tensor | null, options?: ref.Conv2dOptions) {
    const y = ref.conv2d(x, w, b, options);
    w.data.reverse(); // a kernel that flips the caller's weight in place, leaving the result right
    return { shape: y.shape, data: Float32Array.from(y.data) };
  },
};
`);
    const repro = join(dir, 'repro-in-place');
    const { code, out } = harness('check', join(dir, 'in-place.ts'), '--runs', '3', '--property', 'conv2d-forward-equals-reference', '--repro', repro);
    expect(code, out).toBe(1);
    expect(out).toMatch(/conv2d: wrote into its argument 1/);
    const run = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(repro, 'conv2d-forward-equals-reference.repro.mts')], { encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/conv2d: wrote into its argument 1/);
  });

  it('an expected difference naming a property the suite does not have is an error, so a typo cannot hide', () => {
    writeFileSync(join(dir, 'typo.ts'), `export { default } from ${JSON.stringify(join(dir, 'good.ts'))};
export const expectedDifferences = [{ property: 'conv2d-forward-equal-reference', reason: 'a typo' }];
`);
    const { code, out } = harness('check', join(dir, 'typo.ts'), '--runs', '2');
    expect(code).toBe(1);
    expect(out).toMatch(/expectedDifferences names no property of the suite: conv2d-forward-equal-reference\. Known: /);
  });

  it('--ops judges only the named operations: another the port implements is "not selected", never "not implemented"', () => {
    writeFileSync(join(dir, 'conv-pool.ts'), `import * as ref from ${reference};
const f32 = (t: ref.Tensor) => ({ shape: t.shape, data: Float32Array.from(t.data) });
export default {
  name: 'conv-pool',
  conv2d: async (x: ref.Tensor, w: ref.Tensor, b: ref.Tensor | null, o?: ref.Conv2dOptions) => f32(ref.conv2d(x, w, b, o)),
  avgPool2d: async (x: ref.Tensor, o: ref.AvgPool2dOptions) => f32(ref.avgPool2d(x, o)),
};
`);
    const json = join(dir, 'conv-pool.json');
    const junit = join(dir, 'conv-pool.xml');
    const { code, out } = harness('check', join(dir, 'conv-pool.ts'), '--runs', '3', '--ops', 'conv2d', '--json', json, '--junit', junit);
    expect(code, out).toBe(0);
    expect(out).toMatch(/^backend conv-pool \(seed \d+, 3 cases per property, judging only conv2d\)$/m);
    expect(out).toMatch(/^ {2}avgpool2d-equals-reference +not selected +needs avgPool2d$/m);
    expect(out).toMatch(/^ {2}pool2d +not implemented: maxPool2d, maxPool2dBackward, avgPool2dBackward; not selected: avgPool2d$/m);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.selected).toEqual(['conv2d']);
    expect(report.implemented).toEqual(['conv2d', 'avgPool2d']);
    const op = Object.fromEntries(report.operations.map((o: { op: string; status: string }) => [o.op, o.status]));
    expect(op).toMatchObject({ conv2d: 'passed', avgPool2d: 'not selected', maxPool2d: 'not implemented' });
    expect(readFileSync(junit, 'utf8')).toMatch(/name="avgpool2d-equals-reference" time="[\d.]+">\n {6}<skipped message="not selected: needs avgPool2d, left out of the run's operations"/);
    // An operation the port lacks cannot be judged: refused before any work, naming what it has.
    const lacking = harness('check', join(dir, 'conv-pool.ts'), '--ops', 'maxPool2d');
    expect(lacking.code).toBe(2);
    expect(lacking.out).toMatch(/--ops: backend 'conv-pool' does not implement maxPool2d, so nothing would judge it\. It implements: conv2d, avgPool2d\. Fix: /);
  });

  it('a run that judged nothing fails (a CI gate must not pass having run no case)', () => {
    writeFileSync(join(dir, 'empty.mjs'), `export default { name: 'empty' };\n`);
    const json = join(dir, 'empty.json');
    const { code, out } = harness('check', join(dir, 'empty.mjs'), '--json', json);
    expect(code, out).toBe(1);
    expect(out).toMatch(/nothing was judged: no property ran a case/);
    expect(out).toMatch(new RegExp(`^FAIL: ${ALL_PROPERTIES.length} not implemented$`, 'm'));
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ passed: false, judged: 0 });
    // A shard may hold only properties the backend cannot run; the merged report is what must judge something.
    expect(harness('check', join(dir, 'empty.mjs'), '--shard', '1/2').code).toBe(0);
  });

  it('--repro removes the repro of a property that passes now, so the folder shows only what fails', () => {
    const repro = join(dir, 'repro-stale');
    expect(harness('check', join(dir, 'off-by-one.ts'), '--runs', '3', '--ops', 'conv2d', '--property', 'conv2d-forward-equals-reference', '--repro', repro).code).toBe(1);
    const script = join(repro, 'conv2d-forward-equals-reference.repro.mts');
    expect(existsSync(script)).toBe(true);
    const fixed = harness('check', join(dir, 'good.ts'), '--runs', '3', '--property', 'conv2d-forward-equals-reference', '--repro', repro);
    expect(fixed.code, fixed.out).toBe(0);
    expect(fixed.out).toContain(`removed ${script}: conv2d-forward-equals-reference passes now`);
    expect(existsSync(script)).toBe(false);
  });

  it('a module exporting the wrong thing is told what it exports and how to fix it', () => {
    writeFileSync(join(dir, 'bare-ops.mjs'), `export async function conv2d() {}\nexport async function avgPool2d() {}\n`);
    const bare = harness('check', join(dir, 'bare-ops.mjs'));
    expect(bare.code).toBe(2);
    expect(bare.out).toMatch(/exports neither createBackend nor a default \(it exports the operations avgPool2d, conv2d one by one; wrap them: export default \{ name: 'my-backend', avgPool2d, conv2d \}\)/);
    writeFileSync(join(dir, 'named.mjs'), `export const myBackend = { name: 'mine' };\n`);
    expect(harness('check', join(dir, 'named.mjs')).out).toMatch(/\(it exports myBackend; if myBackend is the backend: export default myBackend\)/);
  });

  it('bench MODULE: each case checked, then timed beside the reference; a wrong one reported, not timed; what the port lacks listed', () => {
    const json = join(dir, 'bench.json');
    const { code, out } = harness('bench', join(dir, 'good.ts'), '--shape', 'lenet-conv1', '--time', '20', '--json', json);
    expect(code, out).toBe(0);
    expect(out).toMatch(/^lenet-conv1 +conv2d +reference +copied +[\d.]+ GFLOP\/s/m);
    expect(out).toMatch(/^lenet-conv1 +conv2d +conv-only +copied +[\d.]+ GFLOP\/s .* [\d.]+x +ok \(/m);
    expect(out).toMatch(/^not implemented: lenet-conv1 conv2dBackward \(needs conv2dBackward\)$/m);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    const mine = report.results.find((r: { backend: string }) => r.backend === 'conv-only');
    expect(mine).toMatchObject({ status: 'ok', op: 'conv2d', shape: 'lenet-conv1' });
    expect(mine.medianMs).toBeGreaterThan(0);
    expect(mine.speedupOverReference).toBeGreaterThan(0);
    const wrong = harness('bench', join(dir, 'off-by-one.ts'), '--ops', 'conv2d', '--shape', 'lenet-conv1', '--time', '20', '--no-reference');
    expect(wrong.code, wrong.out).toBe(1);
    expect(wrong.out).toMatch(/^WRONG off-by-one lenet-conv1 conv2d: lenet-conv1 conv2d: value: element \d+ \[[\d, ]+\] of \[256, 6, 28, 28\] is /m);
    expect(wrong.out).not.toMatch(/^lenet-conv1 +conv2d +reference/m); // --no-reference
    // A call failing while timed, or throwing a non-Error, is an error row and the run goes on; a declined case is not a failure.
    writeFileSync(join(dir, 'flaky.mjs'), `let calls = 0;
export default { name: 'flaky', async conv2d() { if (++calls > 1) throw new Error('out of buffers\\nsecond line'); throw 'E_FIRST'; }, async avgPool2d() { throw Object.assign(new Error('avgPool2d: not this window'), { name: 'UnsupportedOptionError' }); } };
`);
    const flaky = harness('bench', join(dir, 'flaky.mjs'), '--shape', 'lenet-conv1,lenet-pool1', '--ops', 'conv2d,avgPool2d', '--time', '20', '--no-reference');
    expect(flaky.code, flaky.out).toBe(1);
    expect(flaky.out).toMatch(/^ERROR flaky lenet-conv1 conv2d: E_FIRST$/m);
    expect(flaky.out).toMatch(/^DECLINED flaky lenet-pool1 avgPool2d: avgPool2d: not this window$/m);
    const declining = harness('bench', join(dir, 'flaky.mjs'), '--shape', 'lenet-pool1', '--ops', 'avgPool2d', '--time', '20', '--no-reference');
    expect(declining.code, declining.out).toBe(0);
    // Nothing the port can run, and options of the other command: usage errors before any work.
    expect(harness('bench', join(dir, 'good.ts'), '--ops', 'linear').out).toMatch(/'conv-only' implements none of the operations the selected cases call \(it implements: conv2d\)/);
    expect(harness('bench', join(dir, 'good.ts'), '--runs', '3').out).toMatch(/--runs is not an option of bench/);
    const unknownOp = harness('bench', join(dir, 'good.ts'), '--ops', 'conv3d');
    expect(unknownOp.code).toBe(2);
    expect(unknownOp.out).toMatch(/--ops: the bench has no case of operation conv3d\. Known: conv2d, conv2dBackward, /);
    expect(harness('bench', join(dir, 'good.ts'), '--shape', 'lenet-conv9').out).toMatch(/--shape: the bench has no shape lenet-conv9\. Known: lenet-conv1, /);
    expect(harness('bench', join(dir, 'good.ts'), '--errors', 'strict').out).toMatch(/--errors is not an option of bench/);
    writeFileSync(join(dir, 'oracle.mjs'), `export default { name: 'claims-oracle', oracle: true, async conv2d() { return { shape: [1], data: new Float32Array(1) }; } };\n`);
    const oracle = harness('bench', join(dir, 'oracle.mjs'));
    expect(oracle.code).toBe(2);
    expect(oracle.out).toMatch(/the backend sets oracle: true, which marks the harness's own reference/);
  });

  it('usage errors exit 2 and say what to do', () => {
    const bare = harness('check');
    expect(bare.code).toBe(2);
    expect(bare.out).toMatch(/check needs the module that exports your backend, e\.g\. check \.\/my-backend\.mjs/);
    const typo = harness('check', join(dir, 'good.ts'), '--property', 'conv2d-forward-equal-reference');
    expect(typo.code).toBe(2);
    expect(typo.out).toMatch(/--property: the suite has no property 'conv2d-forward-equal-reference'\. Known: /);
    const none = harness('check', join(dir, 'good.ts'), '--ops', ',');
    expect(none.code).toBe(2);
    expect(none.out).toMatch(/--ops needs the operations to judge, comma-separated/);
    const unknown = harness('check', join(dir, 'good.ts'), '--ops', 'conv3d');
    expect(unknown.code).toBe(2);
    expect(unknown.out).toMatch(/--ops: unknown operation\(s\) conv3d\. Known: conv2d, conv2dBackward/);
    const flag = harness('check', join(dir, 'good.ts'), '--opts', 'conv2d');
    expect(flag.code).toBe(2);
    expect(flag.out).toMatch(/Unknown option '--opts'\. See --help for the options\./);
    const missing = harness('check', join(dir, 'nope.ts'));
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/nope\.ts: no such file\. MODULE is the path of your backend's module/);
  });
});
