/**
 * ONNX Runtime Web (onnxruntime-web 1.30.0) behind our backend interface: a second third-party
 * runtime, run through the property suite to find where ONNX's operator semantics, as ORT implements
 * them, differ from PyTorch's (see the expected differences in onnxruntimeWasmModule.ts).
 *
 * A *partial* backend: inference only. Each forward operation is one ONNX node in a model built in
 * memory with `onnx-proto` (opset 17) and run by an `InferenceSession` on the `wasm` (or `webgpu`)
 * execution provider; sessions are cached by (op type, attributes, input shapes). ONNX Runtime Web
 * has no training API, so every gradient operation (and accuracy and sgd, which have no single ONNX
 * node returning what the interface returns) is absent, and the suite reports it not implemented.
 *
 * Every operation first validates with the reference's own checks, so bad input gets the harness's
 * errors before any ONNX work, and builds its attributes from the reference's resolved geometry.
 * `ort.env` is global: the wasm module starts with the thread count of the first backend that runs.
 */
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import type { PartialBackend } from '../../kernels/backend.ts';
import type * as ref from '../../reference/index.ts';
import { checkActivation } from '../../reference/activationChecks.ts';
import { checkAvgPool2d } from '../../reference/avgPool2d.ts';
import { checkConv2d } from '../../reference/conv2d.ts';
import { assertLabels } from '../../reference/crossEntropy.ts';
import { checkFlatten } from '../../reference/flatten.ts';
import { checkLinear } from '../../reference/linear.ts';
import { checkMatmul } from '../../reference/matmul.ts';
import { checkMaxPool2d } from '../../reference/maxPool2d.ts';

const { onnx } = onnxProto;
const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

/** The opset every model imports: Softmax/LogSoftmax with opset-13 semantics (one axis), SoftmaxCrossEntropyLoss. */
export const ONNX_OPSET = 17;

export interface OnnxRuntimeBackendOptions {
  /** ORT execution provider. Default 'wasm' (the one Node has). */
  readonly executionProvider?: 'wasm' | 'webgpu';
  /** `ort.env.wasm.numThreads`. Default 1. */
  readonly threads?: number;
  /** Sessions kept (least recently used evicted and released). Default 64. */
  readonly cacheSize?: number;
}

/**
 * What the adapter leaves out (reported not implemented). It declines no case: every option of the
 * forward operations (asymmetric padding, groups, dilation, ceil mode, countIncludePad) has an ONNX
 * attribute, so each difference shows up as a failure instead.
 */
export const ONNXRUNTIME_UNSUPPORTED: readonly string[] = [
  'every gradient operation (conv2dBackward, maxPool2dBackward, avgPool2dBackward, linearBackward, flattenBackward, ' +
    'sigmoidBackward, reluBackward, softmaxBackward, logSoftmaxBackward, crossEntropyBackward): onnxruntime-web is inference only',
  'accuracy and sgd: no single ONNX node returns a count of hits or updates a tensor in place (left out, not implemented)',
];

type AttributeValue = number | readonly number[] | string;
type Attributes = Readonly<Record<string, AttributeValue>>;

/** An input of the node: a float32 tensor, or int64 class labels. */
type Feed = { readonly name: string; readonly tensor: ort.Tensor; readonly elemType: number };

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  return typeof value === 'number'
    ? { name, type: AttributeType.INT, i: value }
    : { name, type: AttributeType.INTS, ints: [...value] };
}

function valueInfo(name: string, elemType: number, dims?: readonly number[]): onnxProto.onnx.IValueInfoProto {
  const tensorType: onnxProto.onnx.TypeProto.ITensor = { elemType };
  if (dims) tensorType.shape = { dim: dims.map((d) => ({ dimValue: d })) };
  return { name, type: { tensorType } };
}

/** One node, its inputs with their static shapes, one float output (shape left to ORT's inference), as ONNX bytes. */
function singleNodeModel(opType: string, attributes: Attributes, feeds: readonly Feed[]): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'd2l-convnet-harness',
    graph: {
      name: opType,
      node: [{
        opType,
        name: opType,
        input: feeds.map((f) => f.name),
        output: ['y'],
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      }],
      input: feeds.map((f) => valueInfo(f.name, f.elemType, f.tensor.dims)),
      output: [valueInfo('y', DataType.FLOAT)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A cached session and how many runs are using it, so an evicted one is released only once idle. */
interface Entry {
  readonly session: Promise<ort.InferenceSession>;
  inUse: number;
  evicted: boolean;
}

const floatFeed = (name: string, t: ref.Tensor): Feed => ({
  name,
  tensor: new ort.Tensor('float32', Float32Array.from(t.data), [...t.shape]),
  elemType: DataType.FLOAT,
});

const labelsFeed = (name: string, labels: ref.Labels): Feed => ({
  name,
  tensor: new ort.Tensor('int64', BigInt64Array.from(Array.from(labels, (l) => BigInt(l))), [labels.length]),
  elemType: DataType.INT64,
});

export function createOnnxRuntimeBackend(options: OnnxRuntimeBackendOptions = {}): PartialBackend {
  const ep = options.executionProvider ?? 'wasm';
  const threads = options.threads ?? 1;
  const cacheSize = Math.max(1, options.cacheSize ?? 64);
  const NAME = `onnxruntime-web-${ep}`;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';

  /** Least recently used first (a Map keeps insertion order; a hit re-inserts). */
  const cache = new Map<string, Entry>();
  const releaseEntry = (e: Entry) => {
    e.session.then((s) => s.release()).catch(() => undefined);
  };
  const evict = (key: string, e: Entry) => {
    cache.delete(key);
    e.evicted = true;
    if (e.inUse === 0) releaseEntry(e);
  };

  function acquire(opType: string, attributes: Attributes, feeds: readonly Feed[]): Entry {
    const key = JSON.stringify([opType, attributes, feeds.map((f) => [f.name, f.elemType, f.tensor.dims])]);
    let entry = cache.get(key);
    if (entry) {
      cache.delete(key);
    } else {
      const session = ort.InferenceSession.create(singleNodeModel(opType, attributes, feeds), { executionProviders: [ep], logSeverityLevel: 3 });
      entry = { session, inUse: 0, evicted: false };
      // A model ORT rejects is not kept: the next call tries again (and fails again, with ORT's message).
      session.catch(() => { if (cache.get(key) === entry) cache.delete(key); });
    }
    cache.set(key, entry);
    while (cache.size > cacheSize) {
      const [oldest, e] = cache.entries().next().value as [string, Entry];
      evict(oldest, e);
    }
    return entry;
  }

  /**
   * Runs the node on its inputs and returns its output as a fresh float32 tensor. Calls are
   * serialised: one wasm instance, one run at a time.
   */
  let queue: Promise<unknown> = Promise.resolve();
  function run(opType: string, attributes: Attributes, feeds: readonly Feed[]): Promise<ref.Tensor> {
    const job = queue.then(async () => {
      const entry = acquire(opType, attributes, feeds);
      entry.inUse++;
      try {
        const session = await entry.session;
        const outputs = await session.run(Object.fromEntries(feeds.map((f) => [f.name, f.tensor])));
        const y = outputs.y;
        const result = { shape: [...y.dims], data: Float32Array.from(y.data as Float32Array) };
        y.dispose();
        return result;
      } finally {
        entry.inUse--;
        if (entry.evicted && entry.inUse === 0) releaseEntry(entry);
      }
    });
    queue = job.catch(() => undefined);
    return job;
  }

  /** ONNX pads: all the begins, then all the ends ([top, left, bottom, right]). */
  const pads = (g: ref.Conv2dGeometry | ref.Pool2dGeometry) => [g.padTop, g.padLeft, g.padBottom, g.padRight];

  return {
    name: NAME,
    variant: `onnxruntime-web ${ort.env.versions.web ?? ''}, ${ep} execution provider, ${threads} thread${threads === 1 ? '' : 's'}, opset ${ONNX_OPSET}`,

    async conv2d(x, w, b, o = {}) {
      const g = checkConv2d('conv2d', x, w, b, o);
      const feeds = [floatFeed('x', x), floatFeed('w', w), ...(b ? [floatFeed('b', b)] : [])];
      return run('Conv', {
        kernel_shape: [g.kernelH, g.kernelW], strides: [g.strideH, g.strideW], dilations: [g.dilationH, g.dilationW],
        pads: pads(g), group: g.groups,
      }, feeds);
    },
    async maxPool2d(x, o) {
      const g = checkMaxPool2d('maxPool2d', x, o);
      return run('MaxPool', {
        kernel_shape: [g.kernelH, g.kernelW], strides: [g.strideH, g.strideW], dilations: [g.dilationH, g.dilationW],
        pads: pads(g), ceil_mode: g.ceilMode ? 1 : 0,
      }, [floatFeed('x', x)]);
    },
    async avgPool2d(x, o) {
      const g = checkAvgPool2d('avgPool2d', x, o);
      return run('AveragePool', {
        kernel_shape: [g.kernelH, g.kernelW], strides: [g.strideH, g.strideW], pads: pads(g),
        ceil_mode: g.ceilMode ? 1 : 0, count_include_pad: (o.countIncludePad ?? true) ? 1 : 0,
      }, [floatFeed('x', x)]);
    },
    async matmul(A, B) {
      checkMatmul(A, B);
      return run('MatMul', {}, [floatFeed('A', A), floatFeed('B', B)]);
    },
    async linear(x, w, b) {
      checkLinear('linear', x, w, b);
      return run('Gemm', { transB: 1 }, [floatFeed('x', x), floatFeed('w', w), ...(b ? [floatFeed('b', b)] : [])]);
    },
    async flatten(x) {
      checkFlatten(x);
      return run('Flatten', { axis: 1 }, [floatFeed('x', x)]);
    },
    async sigmoid(x) {
      checkActivation('sigmoid', x);
      return run('Sigmoid', {}, [floatFeed('x', x)]);
    },
    async relu(x) {
      checkActivation('relu', x);
      return run('Relu', {}, [floatFeed('x', x)]);
    },
    async softmax(x) {
      checkActivation('softmax', x, 'rows');
      return run('Softmax', { axis: -1 }, [floatFeed('x', x)]);
    },
    async logSoftmax(x) {
      checkActivation('logSoftmax', x, 'rows');
      return run('LogSoftmax', { axis: -1 }, [floatFeed('x', x)]);
    },
    async crossEntropy(logits, labels) {
      assertLabels('crossEntropy', logits, labels);
      // Reduction 'mean' over the batch (no ignore_index, no weights): PyTorch's nn.CrossEntropyLoss().
      const loss = await run('SoftmaxCrossEntropyLoss', { reduction: 'mean' }, [floatFeed('scores', logits), labelsFeed('labels', labels)]);
      return loss.data[0];
    },
    dispose() {
      for (const [key, e] of [...cache]) evict(key, e);
    },
  };
}
