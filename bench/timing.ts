/**
 * Times one bench case on one backend: the first call (compile + run), the correctness check against
 * the reference, then tinybench's steady state. Framework- and Node-free: the bench script and the
 * browser page both use it.
 */
import { Bench } from 'tinybench';
import type { Backend } from '../kernels/backend';
import type { BenchCase } from './cases';
import type { BenchResult } from './report';

export async function timeCase(backend: Backend, c: BenchCase, timeMs: number): Promise<Omit<BenchResult, 'speedupOverReference' | 'shareOfLimit'>> {
  const base = { backend: backend.name, shape: c.shape, op: c.op, description: c.description, unit: c.unit, work: c.work, readback: 'every call' as const };
  let first: unknown;
  const t0 = performance.now();
  try {
    first = await c.run(backend);
  } catch (error) {
    return { ...base, status: `error: ${(error as Error).message.slice(0, 80)}`, errorRatio: Infinity };
  }
  const firstCallMs = performance.now() - t0;
  // Correctness before timing: a wrong kernel is reported, never timed.
  const errorRatio = backend.name === 'reference' ? 0 : await c.check(first);
  if (!(errorRatio <= 1)) return { ...base, status: 'WRONG', errorRatio, firstCallMs };
  // A call of over a second (the reference on the big layers) is not warmed up again (the first call
  // did that) and is timed once more: five more calls would take minutes.
  const slow = firstCallMs > 1000;
  const bench = new Bench({ time: timeMs, iterations: slow ? 1 : 3, warmup: !slow, warmupIterations: 2, warmupTime: 0, throws: true });
  bench.add(c.op, () => c.run(backend));
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') return { ...base, status: `error: timing ${result.state}`, errorRatio, firstCallMs };
  const medianMs = result.latency.p50;
  const perSecond = c.work / (medianMs / 1000);
  return {
    ...base, status: 'ok', errorRatio, firstCallMs, medianMs, p99Ms: result.latency.p99, rmePercent: result.latency.rme, samples: result.latency.samplesCount,
    throughput: c.unit === 'flop' ? perSecond / 1e9 : perSecond / 1e6,
  };
}

