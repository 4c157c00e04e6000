// The bench's own guarantees (not speed: speed lives in `npm run bench`): a wrong kernel is reported
// as wrong and never timed, and a comparison flags only moves beyond the measured noise.
import { describe, expect, it } from 'vitest';
import { createMutantBackend } from '../../properties/mutants';
import { benchCases } from '../cases';
import { formatComparison, type BenchReport, type BenchResult } from '../report';
import { timeCase } from '../timing';

const lenetConv2 = benchCases().filter((c) => c.shape === 'lenet-conv2');

describe('npm run bench', () => {
  it('reports a wrong kernel as WRONG without timing it, and times a correct one', async () => {
    const forward = lenetConv2.find((c) => c.op === 'conv2d')!;
    const wrong = await timeCase(createMutantBackend('flipped-kernel'), forward, 50);
    expect(wrong.status).toBe('WRONG');
    expect(wrong.errorRatio).toBeGreaterThan(1);
    expect(wrong.medianMs).toBeUndefined();
    const right = await timeCase(createMutantBackend('none'), forward, 50);
    expect(right.status).toBe('ok');
    expect(right.throughput).toBeGreaterThan(0);
  });

  it('knows every shape the issue names, with its work', () => {
    const shapes = new Set(benchCases().map((c) => c.shape));
    for (const s of ['lenet-conv1', 'lenet-conv2', 'lenet-pool1', 'lenet-pool2', 'lenet-fc1', 'lenet-fc2', 'lenet-fc3', 'conv3x3', 'conv1x1', 'maxpool3x3s2', 'lenet-train-step']) expect(shapes).toContain(s);
    // LeNet conv2 at N=256: 256*16*10*10*6*25 multiply-adds, 2 flops each.
    expect(lenetConv2.find((c) => c.op === 'conv2d')!.work).toBe(2 * 256 * 16 * 10 * 10 * 6 * 25);
  });

  it('flags a regression only beyond the noise both runs measured', () => {
    const result = (throughput: number, rmePercent: number): BenchResult => ({
      backend: 'webasm', shape: 'lenet-conv2', op: 'conv2d', description: '', unit: 'flop', work: 1, status: 'ok', errorRatio: 0, throughput, rmePercent, readback: 'every call',
    });
    const report = (r: BenchResult) => ({ results: [r] }) as unknown as BenchReport;
    expect(formatComparison(report(result(0.5, 2)), report(result(1, 2)))).toContain('REGRESSION');
    expect(formatComparison(report(result(0.97, 2)), report(result(1, 2)))).not.toContain('REGRESSION');
    expect(formatComparison(report(result(2, 2)), report(result(1, 2)))).toContain('faster');
  });
});
