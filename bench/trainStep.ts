/**
 * The bench's check of a whole LeNet training step, op by op.
 *
 * A step is a chain of operations, and the property suite already holds each one to its own error
 * model (properties/tolerance.ts, properties/conformance/*.ts). So the step is checked as that chain:
 * `recordStep` runs `trainStep` (fixtures/lenet/model.ts, the step `npm run lenet` runs) on the
 * backend wrapped in a recorder, which keeps host copies of every operation's inputs and result;
 * `replayStep` then holds each recorded result to the reference operation on the inputs that
 * operation actually received, within the same bound its conformance property uses. An error is
 * judged where it is made, whatever came before it: no bound is carried through the network, so a
 * wrong gradient in the first layer is caught as surely as one in the last.
 */
import * as ref from '../reference/index.ts';
import type { Backend } from '../kernels/backend.ts';
import { LENET, parameterShapes, type LayerSpec } from '../fixtures/lenet/architecture.ts';
import { toDevice, trainStep, type LayerParameters } from '../fixtures/lenet/model.ts';
import { wrapOperations } from '../kernels/backend.ts';
import type { Comparison } from '../properties/compare.ts';
import { EXPECTATIONS, judge, type OperationName } from '../properties/judges.ts';

/** One operation as the step called it: host copies of its arguments and of its result (for sgd, the parameters after it). */
export interface RecordedOp {
  readonly op: string;
  readonly inputs: readonly unknown[];
  readonly output: unknown;
}

/**
 * A host copy of an argument or result: resident tensors read back, host tensors' data copied,
 * arrays and plain objects (gradients, options) copied member by member, anything else as it is.
 */
async function snapshot(value: unknown): Promise<unknown> {
  if (ref.isResident(value)) return { shape: [...value.shape], data: Float32Array.from(await value.read()) };
  if (ArrayBuffer.isView(value)) return (value as unknown as Float32Array).slice();
  if (Array.isArray(value)) return Promise.all(value.map(snapshot));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await snapshot(v)])));
  }
  return value;
}

/**
 * The backend with every operation recorded in `log`, in the order the step calls them: the real
 * operation runs on the real arguments (resident ones stay resident); the copies are taken before it
 * runs (sgd writes its inputs) and right after it, inside the step's scope, before anything is released.
 */
export function recordingBackend(backend: Backend, log: RecordedOp[]): Backend {
  return wrapOperations(backend, async (op, method, args) => {
    const entry: { op: string; inputs: readonly unknown[]; output: unknown } = { op, inputs: [], output: undefined };
    log.push(entry); // in call order, before any await: crossEntropy and accuracy run concurrently
    entry.inputs = (await snapshot(args)) as unknown[];
    const result = await method(...args);
    entry.output = await snapshot(op === 'sgd' ? args[0] : result);
    return result;
  });
}

/** Releases the resident ones among a step's parameters (host tensors need nothing). */
export function releaseParameters(parameters: readonly LayerParameters[]): void {
  for (const p of parameters) for (const t of p ? [p.weight, p.bias] : []) if (ref.isResident(t)) t.release();
}

/**
 * One `trainStep` on the backend from `parameters` (uploaded first where the backend keeps tensors,
 * and released after), recording every operation. Leaves nothing resident.
 */
export async function recordStep(
  backend: Backend, x: ref.Tensor, labels: ref.Labels, parameters: readonly LayerParameters[], lr: number, layers: readonly LayerSpec[] = LENET,
): Promise<RecordedOp[]> {
  const log: RecordedOp[] = [];
  const onBackend = await toDevice(backend, parameters);
  try {
    await trainStep(recordingBackend(backend, log), x, labels, onBackend, lr, layers);
  } finally {
    releaseParameters(onBackend);
  }
  return log;
}

/** `conv1`, `sigmoid1`, `pool1`, `conv2`, ..., `flatten1`, `fc1`, ...: every layer's name, as the check's messages print it. */
export function layerNames(layers: readonly LayerSpec[] = LENET): string[] {
  const stem = { conv2d: 'conv', linear: 'fc', sigmoid: 'sigmoid', relu: 'relu', avgPool2d: 'pool', flatten: 'flatten' } as const;
  const counts = new Map<string, number>();
  return layers.map((l) => {
    const n = (counts.get(l.kind) ?? 0) + 1;
    counts.set(l.kind, n);
    return `${stem[l.kind]}${n}`;
  });
}

/** The operations `trainStep` calls, in order, each with the layer it belongs to. */
function stepCalls(layers: readonly LayerSpec[]): { layer: string; op: string }[] {
  const names = layerNames(layers);
  return [
    ...layers.map((l, k) => ({ layer: names[k], op: l.kind as string })),
    { layer: 'loss', op: 'crossEntropy' }, { layer: 'loss', op: 'accuracy' }, { layer: 'loss', op: 'crossEntropyBackward' },
    ...layers.map((l, k) => ({ layer: names[k], op: `${l.kind}Backward` })).reverse(),
    { layer: 'parameters', op: 'sgd' },
  ];
}

const failed = (message: string): Comparison => ({ ok: false, ratio: Infinity, index: -1, mismatches: -1, message });

/**
 * One recorded operation against the reference operation on the same inputs, each result within the
 * bound its conformance property uses (properties/judges.ts, the one home of both); sgd is judged
 * parameter by parameter, so a message names it (`fc3 bias sgd`).
 */
function replayOp(layer: string, op: string, inputs: readonly unknown[], output: unknown, parameterNames: readonly string[]): Comparison[] {
  if (op === 'sgd') {
    const [before, grads, lr] = inputs as [ref.Tensor[], ref.Tensor[], number];
    const after = Array.isArray(output) ? output : [];
    return before.flatMap((p, i) => judge(EXPECTATIONS.sgd([[p], [grads[i]], lr], `${parameterNames[i] ?? `parameter ${i}`} `), [after[i]]));
  }
  if (!(op in EXPECTATIONS)) return [failed(`${layer} ${op}: the step called an operation the check has no reference replay for`)];
  return judge(EXPECTATIONS[op as OperationName](inputs, `${layer} `), output);
}

/**
 * Every recorded operation of a step against the reference operation on its own inputs, named by
 * layer and operation: `conv1 conv2d`, `pool2 avgPool2dBackward dx`, `conv1 conv2dBackward db`,
 * `loss crossEntropy`, `fc3 bias sgd`, ... A step that called other operations than `trainStep`
 * calls for `layers` fails (its calls could not be named).
 */
export function replayStep(log: readonly RecordedOp[], layers: readonly LayerSpec[] = LENET): Comparison[] {
  const calls = stepCalls(layers);
  const names = layerNames(layers);
  const parameterNames = layers.flatMap((l, k) => (parameterShapes(l).length > 0 ? [`${names[k]} weight`, `${names[k]} bias`] : []));
  const sequence = (ops: readonly { op: string }[]) => ops.map((c) => c.op).join(', ');
  if (log.length !== calls.length || log.some((r, i) => r.op !== calls[i].op)) {
    return [failed(`trainStep calls: ${sequence(log)}; expected ${sequence(calls)}`)];
  }
  return log.flatMap((r, i) => replayOp(calls[i].layer, r.op, r.inputs, r.output, parameterNames));
}
