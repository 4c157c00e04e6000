/** Realistic bugs in the loss and accuracy: each is the float32 reference with one bug in place, and lists the properties that must catch it. */
import * as ref from '../../../reference/index.ts';
import type { Backend } from '../../../kernels/backend.ts';
import type { Mutant } from '../family.ts';
import { f32, fr, grads, rowsOf } from '../mutantKit.ts';

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'cross-entropy-unshifted', bug: 'crossEntropy\'s row loss as (max + log Σ) - x[label] in float32', caughtBy: ['cross-entropy-equals-reference'],
    overrides: () => ({
      crossEntropy: async (logits, labels) => {
        ref.crossEntropy(logits, labels); // the same validation
        let total = 0;
        rowsOf(logits, (row, offset) => {
          const m = Math.max(...row);
          total += fr(fr(m + fr(Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)))) - row[labels[offset / row.length]]);
        });
        return total / logits.shape[0];
      },
    }),
  },
  {
    name: 'cross-entropy-gradient-not-averaged', bug: 'crossEntropyBackward forgets to divide by the batch size', caughtBy: ['cross-entropy-equals-reference'],
    overrides: () => ({
      crossEntropyBackward: async (logits, labels) => {
        const g = ref.crossEntropyBackward(logits, labels).dlogits;
        return { dlogits: { shape: g.shape, data: Float32Array.from(g.data, (v) => v * logits.shape[0]) } };
      },
    }),
  },
  {
    name: 'accuracy-last-maximum', bug: 'accuracy takes a row\'s last maximum as its prediction (PyTorch\'s argmax: the first)', caughtBy: ['cross-entropy-equals-reference'],
    overrides: () => ({
      accuracy: async (logits, labels) => {
        ref.accuracy(logits, labels);
        let correct = 0;
        rowsOf(logits, (row, offset) => {
          let best = 0;
          row.forEach((v, c) => (best = v >= row[best] ? c : best));
          if (best === labels[offset / row.length]) correct++;
        });
        return correct / logits.shape[0];
      },
    }),
  },
];
