// The suite judges partial backends (a port in progress): operations it lacks are reported as not
// implemented, never failed and never drawn from; properties over several operations run on those
// present; known differences are expected, and a stale one fails; a port's own error class passes the
// 'port' error contract by name or code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperatorInputError } from '../../reference/index.ts';
import * as ref from '../../reference/index.ts';
import type { PartialBackend } from '../../kernels/backend.ts';
import { createMutantBackend } from '../mutants.ts';
import { ALL_PROPERTIES } from '../all.ts';
import { DEFAULT_SEED, runPropertySuite, type PropertyResult } from '../suite.ts';
import { describePropertySuite } from '../vitestSuite.ts';

const options = { seed: DEFAULT_SEED, numRuns: 10 };
const f32 = (t: ref.Tensor): ref.Tensor => ({ shape: t.shape, data: Float32Array.from(t.data) });

/** A port that implements conv2d forward only, as a class (its method lives on the prototype). */
class ConvOnly {
  readonly name = 'conv-only';
  constructor(private readonly padShift = 0) {}
  async conv2d(x: ref.Tensor, w: ref.Tensor, b: ref.Tensor | null, o: ref.Conv2dOptions = {}): Promise<ref.Tensor> {
    if (this.padShift === 0) return f32(ref.conv2d(x, w, b, o));
    // Off-by-one padding: one more row of zeros on top than asked for.
    const p = ref.resolvePadding('conv2d', o.padding ?? 0);
    const y = ref.conv2d(x, w, b, { ...o, padding: { ...p, top: p.top + this.padShift, bottom: Math.max(0, p.bottom - this.padShift) } });
    return f32(y);
  }
}

const statusOf = (results: PropertyResult[]) => Object.fromEntries(results.map((r) => [r.id, r.status]));

describe('partial backends', () => {
  it('a conv2d-only port passes conv2d and its laws; every property needing another operation is not implemented, none failed', async () => {
    const results = await runPropertySuite(new ConvOnly() as PartialBackend, options);
    const status = statusOf(results);
    expect(results.filter((r) => !r.passed).map((r) => `${r.id}: ${r.error}`)).toEqual([]);
    expect(status['conv2d-forward-equals-reference']).toBe('passed');
    expect(status['law-transpose-commutes']).toBe('passed');
    expect(status['contract-deterministic']).toBe('passed'); // on the operation present
    expect(status['conv2d-backward-equals-reference']).toBe('not implemented');
    expect(status['law-conv1x1-equals-matmul']).toBe('not implemented'); // needs matmul too
    expect(results.find((r) => r.id === 'sigmoid-equals-reference')?.missing).toEqual(['sigmoid', 'sigmoidBackward']);
    for (const r of results.filter((p) => p.status === 'not implemented')) expect(r.numRuns).toBe(0); // never drawn from
  });

  it('the same port with an off-by-one padding fails conv2d forward, with a counterexample', async () => {
    const [result] = await runPropertySuite(new ConvOnly(1) as PartialBackend, { ...options, only: ['conv2d-forward-equals-reference'] });
    expect(result.status).toBe('failed');
    expect(result.counterexample).toBeDefined();
  });

  it('a backend declining every case reports declined, with counts, not a failure', async () => {
    const declining: PartialBackend = {
      name: 'declines-all',
      conv2d: async () => {
        throw Object.assign(new Error('no convolutions here'), { name: 'UnsupportedOptionError' });
      },
    };
    const [result] = await runPropertySuite(declining, { ...options, only: ['conv2d-forward-equals-reference'] });
    expect(result.status).toBe('declined');
    expect(result.passed).toBe(true);
    expect(result.unsupported).toBeGreaterThan(0);
  });
});

describe('expected differences', () => {
  it('a listed property that fails is an expected difference; a listed property that passes is an unexpected pass', async () => {
    const results = await runPropertySuite(createMutantBackend('flipped-kernel'), {
      ...options,
      only: ['conv2d-forward-equals-reference', 'sgd-equals-reference'],
      expectedDifferences: [
        { property: 'conv2d-forward-equals-reference', reason: 'this port convolves', link: 'https://example.org/issue/1' },
        { property: 'sgd-equals-reference', reason: 'a stale entry' },
      ],
    });
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(byId['conv2d-forward-equals-reference'].status).toBe('expected difference');
    expect(byId['conv2d-forward-equals-reference'].passed).toBe(true);
    expect(byId['sgd-equals-reference'].status).toBe('unexpected pass');
    expect(byId['sgd-equals-reference'].passed).toBe(false);
    expect(byId['sgd-equals-reference'].error).toMatch(/expected to differ \(a stale entry\), but every case passed: remove the entry/);
  });
});

describe('expected differences of some cases only (a case predicate)', () => {
  // conv2d adds output channel 0's bias everywhere: wrong exactly when there is a bias and more than one output channel.
  type Case = { hasBias: boolean; weightShape: number[] };
  const only = ['conv2d-forward-equals-reference'];
  const entry = (when: (c: Case) => boolean) => [{ property: only[0], reason: 'bias of channel 0 everywhere', when }];

  it('failures only on the cases it excuses: an expected difference, with the first of them as counterexample', async () => {
    const [r] = await runPropertySuite(createMutantBackend('conv-bias-of-channel-0'), { ...options, only, expectedDifferences: entry((c) => c.hasBias && c.weightShape[0] > 1) });
    expect(r.status, r.error).toBe('expected difference');
    expect(r.passed).toBe(true);
    expect(r.error).toMatch(/^\d+ of the \d+ cases its entry excuses failed, every other case passed; the first: conv2d: value/);
    expect((r.counterexample as Case).hasBias).toBe(true);
    expect(r.failingCall?.op).toBe('conv2d');
  });

  it('a failure on a case it does not excuse fails the property', async () => {
    const [r] = await runPropertySuite(createMutantBackend('conv-bias-of-channel-0'), { ...options, only, expectedDifferences: entry((c) => c.hasBias && c.weightShape[0] > 8) });
    expect(r.status).toBe('failed');
    const c = r.counterexample as Case;
    expect(c.hasBias && c.weightShape[0] > 1 && c.weightShape[0] <= 8).toBe(true);
  });

  it('a correct backend with the entry: its cases ran and passed, an unexpected pass', async () => {
    const [r] = await runPropertySuite(createMutantBackend('none'), { ...options, only, expectedDifferences: entry((c) => c.hasBias && c.weightShape[0] > 1) });
    expect(r.status).toBe('unexpected pass');
    expect(r.error).toMatch(/but all \d+ cases its entry excuses passed: remove the entry from the expected differences, or narrow it/);
  });
});

describe('the error contract for ports', () => {
  /** A port's own error class: the same name as ours but not our class, and a message of its own words. */
  class PortError extends Error {
    readonly code = 'ERR_OPERATOR_INPUT';
  }
  const reworded = (op: string): PartialBackend => ({
    name: 'own-errors',
    async conv2d(x, w, b, o) {
      try {
        return f32(ref.conv2d(x, w, b, o));
      } catch (error) {
        if (error instanceof OperatorInputError) throw new PortError(`${op}: bad call (${error.message.length} characters of detail elided)`);
        throw error;
      }
    },
  });

  it('strict: a reworded message fails; port: an error recognised by its code, naming the operation first, passes', async () => {
    const only = ['contract-rejects-bad-input-like-reference'];
    const [strict] = await runPropertySuite(reworded('conv2d'), { ...options, only });
    expect(strict.status).toBe('failed');
    const [port] = await runPropertySuite(reworded('conv2d'), { ...options, only, errorContract: 'port' });
    expect(port.status).toBe('passed');
    const [unnamed] = await runPropertySuite(reworded('convolution'), { ...options, only, errorContract: 'port' });
    expect(unnamed.error).toMatch(/the message must start with 'conv2d:'/);
  });
});

// The vitest form on the same port: conv2d passes, relu shows as skipped ("not implemented: relu, reluBackward").
describePropertySuite('conv-only, as vitest tests', () => new ConvOnly() as PartialBackend, {
  only: ['conv2d-forward-equals-reference', 'relu-equals-reference'], numRuns: 5,
});

describe('stored cases', () => {
  const only = ['conv2d-forward-equals-reference'];
  const stored = { xShape: [1, 3, 6, 6], weightShape: [2, 3, 3, 3], hasBias: true, options: { padding: 1 }, seed: 5 };

  it('a stored case that fails: fast-check still hunts, and its shrunk case is the counterexample (the smaller repro), the stored one beside it', async () => {
    const found: unknown[] = [];
    const [r] = await runPropertySuite(new ConvOnly(1) as PartialBackend, {
      ...options, only, regressionCases: () => [stored], onCounterexample: (_id, c) => found.push(c),
    });
    expect(r.status).toBe('failed');
    expect(r.storedCounterexample).toEqual(stored);
    expect(r.counterexample).not.toEqual(stored);
    expect(r.counterexamplePath).toMatch(/^\d+(:\d+)*$/);
    expect(r.replay).toContain(`path: '${r.counterexamplePath}'`);
    expect(found).toEqual([r.counterexample]); // only what fast-check found is new; the stored case is stored already
  });

  it('a stored case that fails where no generated one does: it is the counterexample, replayed without a path (stored cases run first)', async () => {
    // Wrong only at one input shape, as a size-specialised kernel path can be.
    const atOneShape = {
      name: 'wrong-at-one-shape',
      async conv2d(x: ref.Tensor, w: ref.Tensor, b: ref.Tensor | null, o: ref.Conv2dOptions = {}) {
        const y = f32(ref.conv2d(x, w, b, o));
        if (x.shape.join() === stored.xShape.join() && w.shape.join() === stored.weightShape.join()) y.data[0] += 1;
        return y;
      },
    };
    const found: unknown[] = [];
    const [r] = await runPropertySuite(atOneShape as PartialBackend, { ...options, only, regressionCases: () => [stored], onCounterexample: (_id, c) => found.push(c) });
    expect(r.status).toBe('failed');
    expect(r.counterexample).toEqual(stored);
    expect(r.storedCounterexample).toBeUndefined();
    expect(r.counterexamplePath).toBeUndefined();
    expect(r.replay).not.toContain('path');
    expect(found).toEqual([]);
    expect(r.numRuns).toBe(1 + options.numRuns); // the stored case and every generated one
  });

  it('a stored case that fails while fast-check gives up (every generated case declined): still the failure, with its call', async () => {
    // Takes one input shape only, and gets it wrong; declines every other.
    const oneShape = {
      name: 'one-shape',
      async conv2d(x: ref.Tensor, w: ref.Tensor, b: ref.Tensor | null, o: ref.Conv2dOptions = {}) {
        if (x.shape.join() !== stored.xShape.join()) throw Object.assign(new Error('conv2d: only [1, 3, 6, 6]'), { name: 'UnsupportedOptionError' });
        const y = f32(ref.conv2d(x, w, b, o));
        y.data[0] += 1;
        return y;
      },
    };
    const [r] = await runPropertySuite(oneShape as PartialBackend, { ...options, only, regressionCases: () => [stored] });
    expect(r.status).toBe('failed');
    expect(r.counterexample).toEqual(stored);
    expect(r.error).toMatch(/^conv2d: value/);
    expect(r.failingCall?.op).toBe('conv2d');
  });

  it('a stored case failing a property expected to differ as a whole decides it: no generated case is drawn', async () => {
    const expectedDifferences = [{ property: only[0], reason: 'a known padding bug' }];
    const [r] = await runPropertySuite(new ConvOnly(1) as PartialBackend, { ...options, only, regressionCases: () => [stored], expectedDifferences });
    expect(r).toMatchObject({ status: 'expected difference', passed: true, numRuns: 1, counterexample: stored });
  });

  it('a replayed path runs the generated case at that path only, not the stored cases', async () => {
    const [first] = await runPropertySuite(new ConvOnly(1) as PartialBackend, { ...options, only });
    const [again] = await runPropertySuite(new ConvOnly(1) as PartialBackend, { ...options, only, path: first.counterexamplePath, regressionCases: () => [stored] });
    expect(again.counterexample).toEqual(first.counterexample);
    expect(again.storedCounterexample).toBeUndefined();
  });
});

describe('judging only some operations (ops)', () => {
  /** conv2d and avgPool2d, both right. */
  const convAndPool = {
    name: 'conv-and-pool',
    conv2d: async (x: ref.Tensor, w: ref.Tensor, b: ref.Tensor | null, o: ref.Conv2dOptions = {}) => f32(ref.conv2d(x, w, b, o)),
    avgPool2d: async (x: ref.Tensor, o: ref.AvgPool2dOptions) => f32(ref.avgPool2d(x, o)),
  } as unknown as PartialBackend;

  it('a property needing an operation left out is not selected (not "not implemented"); one the backend lacks stays not implemented', async () => {
    const results = await runPropertySuite(convAndPool, { ...options, numRuns: 3, ops: ['conv2d'] });
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(byId['conv2d-forward-equals-reference'].status).toBe('passed');
    expect(byId['avgpool2d-equals-reference']).toMatchObject({ status: 'not selected', missing: ['avgPool2d'], numRuns: 0, passed: true });
    expect(byId['law-max-pool-dominates-avg-pool']).toMatchObject({ status: 'not implemented', missing: ['maxPool2d'] });
    expect(byId['relu-equals-reference'].status).toBe('not implemented');
  });

  it('an operation the backend lacks cannot be selected: judging it would pass having judged nothing', async () => {
    await expect(runPropertySuite(convAndPool, { ...options, ops: ['maxPool2d'] })).rejects.toThrow(
      "ops: backend 'conv-and-pool' does not implement maxPool2d, so nothing would judge it. It implements: conv2d, avgPool2d.",
    );
  });
});

describe('the vitest form on a backend with nothing to judge', () => {
  it('fails the file (every test skipped would be a green run that judged nothing)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harness-vitest-empty-'));
    const suite = JSON.stringify(join(__dirname, '..', 'vitestSuite.ts'));
    writeFileSync(join(dir, 'empty.test.ts'), `import { describePropertySuite } from ${suite};\ndescribePropertySuite('empty', () => ({ name: 'empty' }));\n`);
    const run = spawnSync(join(__dirname, '..', '..', 'node_modules', '.bin', 'vitest'), ['run', '--root', dir], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout + run.stderr).toContain(`backend empty: nothing was judged, of ${ALL_PROPERTIES.length} properties: no property ran a case`);
  });
});
