/**
 * The JavaScript runtimes people use, timed as peers in the bench's own run, on the bench's own
 * cases: TensorFlow.js's wasm backend (XNNPACK) and ONNX Runtime Web's wasm provider. Each figure
 * is checked against the reference first, exactly as ours are (the case's own check), then timed
 * with the same tinybench settings.
 *
 * Each peer runs in its own process (this file is also that process's script): both runtimes fix
 * their thread count when their wasm module starts, so 1 and 2 threads cannot share a process.
 * How each runs its operation natively, so what is timed is the runtime, not an adapter:
 * - tfjs-wasm: NHWC tensors made before timing (the data transposed once); the timed call is the op
 *   and freeing its result, which tfjs-wasm computes synchronously (data stays in its heap: resident).
 * - onnxruntime-web-wasm: one single-node model per case with the weights as initializers; the timed
 *   call is `session.run`, which copies x in and y out on every call (its API has no other way on CPU).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import * as ref from '../reference/index.ts';
import type { Backend } from '../kernels/backend.ts';
import { benchCases, type BenchCase } from './cases.ts';
import type { BenchResult } from './report.ts';
import { isMain } from './isMain.ts';

export interface JsPeer {
  readonly runtime: 'tfjs-wasm' | 'onnxruntime-web-wasm';
  readonly threads: number;
}

/** Every peer configuration the bench times. tfjs-wasm has no threads in Node (no SharedArrayBuffer workers for its build). */
export const JS_PEERS: readonly JsPeer[] = [
  { runtime: 'tfjs-wasm', threads: 1 },
  { runtime: 'onnxruntime-web-wasm', threads: 1 },
  { runtime: 'onnxruntime-web-wasm', threads: 2 },
];

export const peerName = (p: JsPeer) => `${p.runtime} ${p.threads}t`;

/** The operations the peers are timed on (forward: what both runtimes offer without a gradient graph). */
export const PEER_OPS: readonly string[] = ['conv2d', 'maxPool2d', 'avgPool2d', 'linear'];

export interface PeerOptions {
  readonly quick: boolean;
  readonly timeMs: number;
  readonly shapes?: readonly string[];
  readonly ops?: readonly string[];
}

type Figure = Omit<BenchResult, 'speedupOverReference' | 'shareOfLimit'>;

/** Times every peer, each in a child process; a peer that cannot start gives one 'error' figure saying why. */
export function timeJsPeers(options: PeerOptions, log: (line: string) => void = () => {}): Figure[] {
  const script = fileURLToPath(import.meta.url);
  return JS_PEERS.flatMap((peer) => {
    log(`peer ${peerName(peer)}: timing in its own process...`);
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, JSON.stringify({ peer, options })], { encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 64 << 20 });
    const line = child.stdout.split('\n').find((l) => l.startsWith('{"figures"'));
    if (child.status !== 0 || !line) {
      const why = `${child.stderr || child.stdout}`.trim().split('\n').slice(-2).join(' ').slice(0, 160) || `exit ${child.status}`;
      return [{ backend: peerName(peer), shape: '-', op: '-', description: '', unit: 'flop', work: 0, status: `error: ${why}`, errorRatio: Infinity, readback: 'every call' } satisfies Figure];
    }
    return (JSON.parse(line) as { figures: Figure[] }).figures;
  });
}

// ---- the child process ------------------------------------------------------------------------

/** The one call a case makes, captured by running the case on a backend that records instead of computing. */
async function capturedCall(c: BenchCase): Promise<{ op: string; args: unknown[] } | undefined> {
  let call: { op: string; args: unknown[] } | undefined;
  const recorder = new Proxy({}, { get: (_, op) => (op === 'name' ? 'recorder' : op === 'device' || op === 'oracle' ? undefined : async (...args: unknown[]) => { call = { op: String(op), args }; return undefined; }) });
  await c.run(recorder as Backend);
  return call;
}

/** A native call of the peer for one captured call: `run` (timed) and `result` (its output as NCHW, for the check). */
interface NativeCall { run(): unknown; result(): Promise<ref.Tensor>; release(): void }

async function tfjsPeer(): Promise<(op: string, args: unknown[]) => NativeCall> {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  const nhwc = (t: ref.Tensor) => tf.tidy(() => tf.transpose(tf.tensor4d(Float32Array.from(t.data), t.shape as [number, number, number, number]), [0, 2, 3, 1])) as import('@tensorflow/tfjs').Tensor4D;
  return (op, args) => {
    const kept: import('@tensorflow/tfjs').Tensor[] = [];
    const keep = <T extends import('@tensorflow/tfjs').Tensor>(t: T) => (kept.push(t), t);
    let compute: () => import('@tensorflow/tfjs').Tensor;
    let fromNhwc = true;
    if (op === 'conv2d') {
      const [x, w, b, o] = args as [ref.Tensor, ref.Tensor, ref.Tensor | null, ref.Conv2dOptions];
      const g = ref.resolveConv2d('conv2d', x.shape, w.shape, b?.shape ?? null, o);
      const xt = keep(nhwc(x));
      const wt = keep(tf.tidy(() => tf.transpose(tf.tensor4d(Float32Array.from(w.data), w.shape as [number, number, number, number]), [2, 3, 1, 0])) as import('@tensorflow/tfjs').Tensor4D);
      const bt = b ? keep(tf.tensor1d(Float32Array.from(b.data))) : null;
      const pad = [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]] as [[0, 0], [number, number], [number, number], [0, 0]];
      // fused conv2d: the bias added in the same kernel, as tfjs's layers call it
      compute = () => tf.fused.conv2d({ x: xt, filter: wt, strides: [g.strideH, g.strideW], pad, dilations: [g.dilationH, g.dilationW], bias: bt ?? undefined });
    } else if (op === 'maxPool2d' || op === 'avgPool2d') {
      const [x, o] = args as [ref.Tensor, ref.MaxPool2dOptions & ref.AvgPool2dOptions];
      const g = ref.resolvePool2d(op, x.shape, o, Object.keys(o));
      const xt = keep(nhwc(x));
      const pad = [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]] as never;
      compute = op === 'maxPool2d'
        ? () => tf.maxPool(xt, [g.kernelH, g.kernelW], [g.strideH, g.strideW], pad)
        : () => tf.avgPool(xt, [g.kernelH, g.kernelW], [g.strideH, g.strideW], pad);
    } else if (op === 'linear') {
      const [x, w, b] = args as [ref.Tensor, ref.Tensor, ref.Tensor | null];
      const xt = keep(tf.tensor2d(Float32Array.from(x.data), x.shape as [number, number]));
      // The weights stored [in, out], as tfjs's dense layer keeps its kernel: tfjs-wasm 4.22's fused matMul
      // with transposeB adds the bias by row instead of by column (found by this bench's check).
      const wt = keep(tf.tidy(() => tf.transpose(tf.tensor2d(Float32Array.from(w.data), w.shape as [number, number]))) as import('@tensorflow/tfjs').Tensor2D);
      const bt = b ? keep(tf.tensor1d(Float32Array.from(b.data))) : undefined;
      compute = () => tf.fused.matMul({ a: xt, b: wt, bias: bt });
      fromNhwc = false;
    } else {
      throw new Error(`tfjs-wasm peer: no native call for ${op}`);
    }
    return {
      run: () => compute().dispose(),
      async result() {
        const y = compute();
        const out = fromNhwc ? tf.transpose(y, [0, 3, 1, 2]) : y;
        const data = Float32Array.from(await out.data() as Float32Array);
        const shape = [...out.shape];
        if (out !== y) out.dispose();
        y.dispose();
        return { shape, data };
      },
      release: () => kept.forEach((t) => t.dispose()),
    };
  };
}

async function onnxRuntimePeer(threads: number): Promise<(op: string, args: unknown[]) => Promise<NativeCall>> {
  const ort = await import('onnxruntime-web');
  const { onnx } = (await import('onnx-proto')).default;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const F = onnx.TensorProto.DataType.FLOAT;
  const value = (name: string, dims: readonly number[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: F, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const initializer = (name: string, t: ref.Tensor) => onnx.TensorProto.create({ name, dataType: F, dims: [...t.shape], floatData: Array.from(t.data) });
  const ints = (name: string, v: number[]) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
  const int = (name: string, v: number) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
  return async (op, args) => {
    const x = args[0] as ref.Tensor;
    let node: InstanceType<typeof onnx.NodeProto>;
    let weights: InstanceType<typeof onnx.TensorProto>[] = [];
    let outShape: number[];
    if (op === 'conv2d') {
      const [, w, b, o] = args as [ref.Tensor, ref.Tensor, ref.Tensor | null, ref.Conv2dOptions];
      const g = ref.resolveConv2d('conv2d', x.shape, w.shape, b?.shape ?? null, o);
      weights = [initializer('w', w), ...(b ? [initializer('b', b)] : [])];
      node = onnx.NodeProto.create({ opType: 'Conv', input: ['x', 'w', ...(b ? ['b'] : [])], output: ['y'], attribute: [
        ints('kernel_shape', [g.kernelH, g.kernelW]), ints('strides', [g.strideH, g.strideW]), ints('dilations', [g.dilationH, g.dilationW]),
        ints('pads', [g.padTop, g.padLeft, g.padBottom, g.padRight]), int('group', g.groups)] });
      outShape = [g.batch, g.outChannels, g.outH, g.outW];
    } else if (op === 'maxPool2d' || op === 'avgPool2d') {
      const o = args[1] as ref.MaxPool2dOptions & ref.AvgPool2dOptions;
      const g = ref.resolvePool2d(op, x.shape, o, Object.keys(o));
      node = onnx.NodeProto.create({ opType: op === 'maxPool2d' ? 'MaxPool' : 'AveragePool', input: ['x'], output: ['y'], attribute: [
        ints('kernel_shape', [g.kernelH, g.kernelW]), ints('strides', [g.strideH, g.strideW]), ints('pads', [g.padTop, g.padLeft, g.padBottom, g.padRight]),
        ...(op === 'avgPool2d' ? [int('count_include_pad', o.countIncludePad === false ? 0 : 1)] : [])] });
      outShape = [g.batch, g.channels, g.outH, g.outW];
    } else if (op === 'linear') {
      const [, w, b] = args as [ref.Tensor, ref.Tensor, ref.Tensor | null];
      weights = [initializer('w', w), ...(b ? [initializer('b', b)] : [])];
      node = onnx.NodeProto.create({ opType: 'Gemm', input: ['x', 'w', ...(b ? ['b'] : [])], output: ['y'], attribute: [int('transB', 1)] });
      outShape = [x.shape[0], w.shape[0]];
    } else {
      throw new Error(`onnxruntime-web-wasm peer: no native call for ${op}`);
    }
    const graph = onnx.GraphProto.create({ name: op, node: [node], initializer: weights, input: [value('x', x.shape)], output: [value('y', outShape)] });
    const model = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph, producerName: 'd2l-convnet-harness bench' })).finish();
    const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
    const feed = { x: new ort.Tensor('float32', Float32Array.from(x.data), [...x.shape]) };
    return {
      run: () => session.run(feed),
      async result() {
        const y = (await session.run(feed)).y;
        return { shape: [...y.dims], data: Float32Array.from(y.data as Float32Array) };
      },
      release: () => void session.release(),
    };
  };
}

async function child(peer: JsPeer, options: PeerOptions): Promise<Figure[]> {
  const native = peer.runtime === 'tfjs-wasm' ? await tfjsPeer() : await onnxRuntimePeer(peer.threads);
  const cases = benchCases().filter((c) => PEER_OPS.includes(c.op) && (!options.quick || c.quick) && (!options.ops || options.ops.includes(c.op)) && (!options.shapes || options.shapes.includes(c.shape)));
  const figures: Figure[] = [];
  for (const c of cases) {
    const base = { backend: peerName(peer), shape: c.shape, op: c.op, description: c.description, unit: c.unit, work: c.work, readback: peer.runtime === 'tfjs-wasm' ? 'none (resident)' as const : 'every call' as const };
    const call = await capturedCall(c);
    if (!call) continue;
    let nativeCall: NativeCall;
    try {
      nativeCall = await native(call.op, call.args);
    } catch (error) {
      figures.push({ ...base, status: `error: ${(error as Error).message.slice(0, 80)}`, errorRatio: Infinity });
      continue;
    }
    try {
      const t0 = performance.now();
      const first = await nativeCall.result();
      const firstCallMs = performance.now() - t0;
      // The case's own check, as for our backends: a wrong peer figure is reported, never timed.
      const checked = await c.check(first, undefined as unknown as Backend);
      if (!(checked.ratio <= 1)) {
        figures.push({ ...base, status: 'WRONG', errorRatio: checked.ratio, errorMessage: checked.message, firstCallMs });
        continue;
      }
      const bench = new Bench({ time: options.timeMs, iterations: 3, warmup: true, warmupIterations: 2, warmupTime: 0, throws: true });
      bench.add(c.op, async () => void (await nativeCall.run()));
      await bench.run();
      const result = bench.tasks[0].result;
      if (result.state !== 'completed') {
        figures.push({ ...base, status: `error: timing ${result.state}`, errorRatio: checked.ratio, firstCallMs });
        continue;
      }
      const medianMs = result.latency.p50;
      const perSecond = c.work / (medianMs / 1000);
      figures.push({
        ...base, status: 'ok', errorRatio: checked.ratio, firstCallMs, medianMs, p99Ms: result.latency.p99, rmePercent: result.latency.rme, samples: result.latency.samplesCount,
        throughput: c.unit === 'flop' ? perSecond / 1e9 : perSecond / 1e6,
      });
      process.stderr.write(`  ${peerName(peer)} ${c.shape} ${c.op}: ${figures.at(-1)!.throughput!.toFixed(2)} ${c.unit === 'flop' ? 'GFLOP/s' : 'Melem/s'}\n`);
    } finally {
      nativeCall.release();
    }
  }
  return figures;
}

if (isMain(import.meta.url) && process.argv[2]) {
  const { peer, options } = JSON.parse(process.argv[2]) as { peer: JsPeer; options: PeerOptions };
  child(peer, options).then(
    (figures) => { process.stdout.write(`${JSON.stringify({ figures })}\n`); process.exit(0); },
    (error: Error) => { console.error(`peer ${peerName(peer)}: ${error.message}`); process.exit(1); },
  );
}
