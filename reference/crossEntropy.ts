import { OperatorInputError } from './errors.ts';
import { logSoftmax } from './logSoftmax.ts';
import { softmax } from './softmax.ts';
import { assertTensor, formatShape, type Tensor } from './tensor.ts';

/** Class indices, one per example: an `Int32Array`, `Uint8Array`, `number[]`, ... */
export type Labels = ArrayLike<number>;

/** Checks `labels` holds one integer class in `[0, C)` per row of `logits [N, C]`. */
export function assertLabels(op: string, logits: Tensor, labels: Labels): void {
  assertTensor(op, 'logits', logits, 2, '[N, C]');
  const [batch, classes] = logits.shape;
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new OperatorInputError(op, `labels must be an array of class indices; got ${String(labels)}.`);
  }
  if (labels.length !== batch) {
    throw new OperatorInputError(
      op,
      `labels has ${labels.length} entries but logits ${formatShape(logits.shape)} has ${batch} rows.`,
    );
  }
  for (let n = 0; n < batch; n++) {
    const label = labels[n];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new OperatorInputError(
        op,
        `labels[${n}] = ${label} is not a class index: expected an integer in [0, ${classes - 1}] for logits ${formatShape(logits.shape)}.`,
      );
    }
  }
}

/**
 * Softmax cross-entropy from logits, averaged over the batch, as PyTorch's `nn.CrossEntropyLoss()`:
 * `mean over n of -logSoftmax(logits)[n, labels[n]]`. Stable for any finite logits.
 */
export function crossEntropy(logits: Tensor, labels: Labels): number {
  assertLabels('crossEntropy', logits, labels);
  const [batch, classes] = logits.shape;
  const logProbabilities = logSoftmax(logits);
  let total = 0;
  for (let n = 0; n < batch; n++) total -= logProbabilities.data[n * classes + labels[n]];
  return total / batch;
}

/** Gradient of {@link crossEntropy} with respect to the logits: `(softmax(logits) - onehot(labels)) / N`. */
export function crossEntropyBackward(logits: Tensor, labels: Labels): { readonly dlogits: Tensor } {
  assertLabels('crossEntropyBackward', logits, labels);
  const [batch, classes] = logits.shape;
  const dlogits = softmax(logits);
  for (let n = 0; n < batch; n++) dlogits.data[n * classes + labels[n]] -= 1;
  for (let k = 0; k < dlogits.data.length; k++) dlogits.data[k] /= batch;
  return { dlogits };
}
