import { assertLabels, type Labels } from './crossEntropy.ts';
import type { Tensor } from './tensor.ts';

/**
 * Fraction of rows whose largest logit is at the label (ties go to the first maximum). The chapter's
 * `d2l.accuracy` returns the count instead: multiply by N to get it.
 */
export function accuracy(logits: Tensor, labels: Labels): number {
  assertLabels('accuracy', logits, labels);
  const [batch, classes] = logits.shape;
  let correct = 0;
  for (let n = 0; n < batch; n++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits.data[n * classes + c] > logits.data[n * classes + best]) best = c;
    if (best === labels[n]) correct++;
  }
  return correct / batch;
}
