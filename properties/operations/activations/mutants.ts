/** Realistic bugs in the activations and softmax: each is the float32 reference with one bug in place, and lists the properties that must catch it. */
import * as ref from '../../../reference/index.ts';
import type { Backend } from '../../../kernels/backend.ts';
import type { Mutant } from '../family.ts';
import { f32, fr, grads, rowsOf } from '../mutantKit.ts';

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'sigmoid-naive-exp', bug: 'sigmoid as exp(x) / (1 + exp(x)) in float32: NaN once exp(x) overflows', caughtBy: ['sigmoid-equals-reference'],
    overrides: () => ({
      sigmoid: async (x) => {
        ref.sigmoid(x); // the reference's validation
        return { shape: x.shape, data: Float32Array.from(x.data, (v) => fr(fr(Math.exp(v)) / fr(1 + fr(Math.exp(v))))) };
      },
    }),
  },
  {
    name: 'relu-nan-to-zero', bug: 'relu as x > 0 ? x : 0, which turns NaN into 0', caughtBy: ['relu-equals-reference'],
    overrides: () => ({
      relu: async (x) => {
        ref.relu(x); // the reference's validation
        return { shape: x.shape, data: Float32Array.from(x.data, (v) => (v > 0 ? v : 0)) };
      },
    }),
  },
  {
    name: 'relu-backward-nan-blocks-gradient', bug: 'relu\'s backward as x > 0 ? dy : 0, which drops the gradient at NaN (PyTorch passes it)', caughtBy: ['relu-equals-reference'],
    overrides: () => ({
      reluBackward: async (dy, x) => {
        ref.reluBackward(dy, x); // the reference's validation
        return { dx: { shape: x.shape, data: Float32Array.from(x.data, (v, i) => (v > 0 ? dy.data[i] : 0)) } };
      },
    }),
  },
  {
    name: 'relu-in-place', bug: 'relu overwrites its input and returns it', caughtBy: ['contract-inputs-unchanged'],
    overrides: () => ({
      relu: async (x) => {
        const y = ref.relu(x);
        if (x.data instanceof Float32Array) {
          x.data.set(y.data);
          return x;
        }
        return f32(y);
      },
    }),
  },
  {
    name: 'softmax-without-max-shift', bug: 'softmax as exp(x) / Σ exp(x) in float32, without subtracting the row maximum', caughtBy: ['softmax-equals-reference'],
    overrides: () => ({
      softmax: async (x) => {
        ref.softmax(x); // the reference's validation
        const y = new Float32Array(x.data.length);
        rowsOf(x, (row, offset) => {
          const e = row.map((v) => fr(Math.exp(v)));
          const sum = e.reduce((s, v) => fr(s + v), 0);
          e.forEach((v, c) => (y[offset + c] = fr(v / sum)));
        });
        return { shape: x.shape, data: y };
      },
    }),
  },
  {
    name: 'log-softmax-unshifted-subtraction', bug: 'logSoftmax as x - (max + log Σ) in float32: max + log Σ rounds at the scale of the maximum', caughtBy: ['log-softmax-equals-reference'],
    overrides: () => ({
      logSoftmax: async (x) => {
        ref.logSoftmax(x); // the reference's validation
        const y = new Float32Array(x.data.length);
        rowsOf(x, (row, offset) => {
          const m = Math.max(...row);
          const logSum = fr(m + fr(Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0))));
          row.forEach((v, c) => (y[offset + c] = fr(v - logSum)));
        });
        return { shape: x.shape, data: y };
      },
    }),
  },
];
