/**
 * Times one bench case on one backend: the first call (compile + run), the correctness check against
 * the reference, then tinybench's steady state. Framework- and Node-free: the bench script and the
 * browser page both use it.
 */
import { Bench } from 'tinybench';
import type { ResidentTensor, Tensor } from '../reference/index.ts';
import { isUnsupportedOption, mapTensorArguments, wrapOperations } from '../kernels/backend.ts';
import type { Backend, DeviceMemory } from '../kernels/backend.ts';
import type { BenchCase, CheckResult } from './cases.ts';
import type { BenchResult } from './report.ts';

export async function timeCase(backend: Backend, c: BenchCase, timeMs: number): Promise<Omit<BenchResult, 'speedupOverReference' | 'shareOfLimit'>> {
  // Where the backend keeps tensors (wasm-simd), an operation is timed as a training step runs it:
  // inputs already resident, results kept resident and released. Elsewhere every call copies both ways.
  // (The LeNet step manages its own residency: trainStep keeps tensors resident, trainStepCopying does not.)
  const stepCase = c.op.startsWith('trainStep');
  const resident = backend.device !== undefined && !stepCase;
  const residentData = backend.device !== undefined && c.op !== 'trainStepCopying';
  const base = { backend: backend.name, shape: c.shape, op: c.op, description: c.description, unit: c.unit, work: c.work, readback: residentData ? 'none (resident)' as const : 'every call' as const };
  c.prepare?.(); // the case's inputs drawn now, not charged to the first backend's first call
  let first: unknown;
  const t0 = performance.now();
  try {
    first = await c.run(backend);
  } catch (error) {
    // An option the backend cannot express is declined, as the suite counts it: not timed, not a failure.
    if (isUnsupportedOption(error)) return { ...base, status: `declined: ${oneLine(error)}`, errorRatio: 0 };
    return { ...base, status: `error: ${oneLine(error)}`, errorRatio: Infinity };
  }
  const firstCallMs = performance.now() - t0;
  // Correctness before timing: a wrong kernel is reported, with what the check found, and never timed.
  let checked: CheckResult;
  try {
    checked = backend.oracle ? { ratio: 0 } : await c.check(first, backend);
  } catch (error) {
    return { ...base, status: `error: check: ${oneLine(error)}`, errorRatio: Infinity, firstCallMs };
  }
  const errorRatio = checked.ratio;
  if (!(errorRatio <= 1)) return { ...base, status: 'WRONG', errorRatio, errorMessage: checked.message ?? `worst error ${errorRatio} x its bound`, firstCallMs };
  // A call of over a second (the reference on the big layers) is not warmed up again (the first call
  // did that) and is timed once more: five more calls would take minutes.
  const slow = firstCallMs > 1000;
  const bench = new Bench({ time: timeMs, iterations: slow ? 1 : 3, warmup: !slow, warmupIterations: 2, warmupTime: 0, throws: true });
  const uploads = new Map<Tensor, ResidentTensor>();
  let timed = () => c.run(backend);
  if (resident) {
    const device = backend.device as DeviceMemory;
    const onDevice = withUploadedInputs(backend, device, uploads);
    await c.run(onDevice); // outside any scope: the uploads persist for the timed calls
    // Waiting for the device: GL only queues the work, and a timing without the wait would count
    // the queueing alone (and pile up work for whatever runs next).
    timed = async () => {
      await device.scope(async () => void (await c.run(onDevice)));
      await device.finish();
    };
  }
  bench.add(c.op, timed);
  try {
    await bench.run();
  } catch (error) {
    // A call that fails while being timed (the backend ran out of something): the row says so, the other cases still run.
    return { ...base, status: `error: timing: ${oneLine(error)}`, errorRatio, firstCallMs };
  } finally {
    for (const t of uploads.values()) t.release();
  }
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') return { ...base, status: `error: timing ${result.state}`, errorRatio, firstCallMs };
  const medianMs = result.latency.p50;
  const perSecond = c.work / (medianMs / 1000);
  return {
    ...base, status: 'ok', errorRatio, firstCallMs, medianMs, p99Ms: result.latency.p99, rmePercent: result.latency.rme, samples: result.latency.samplesCount,
    throughput: c.unit === 'flop' ? perSecond / 1e9 : perSecond / 1e6,
  };
}

/** The backend, with every host tensor argument uploaded on first use and the resident copy reused after. */
function withUploadedInputs(backend: Backend, device: DeviceMemory, uploads: Map<Tensor, ResidentTensor>): Backend {
  const upload = async (host: Tensor) => {
    if (!uploads.has(host)) uploads.set(host, await device.upload(host));
    return uploads.get(host) as ResidentTensor;
  };
  return wrapOperations(backend, async (_op, method, args) => method(...(await mapTensorArguments(args, upload))));
}

/** An error as one short line, whatever was thrown (a string, an object, an Error with a multi-line message). */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  const line = text.split('\n')[0];
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
