// The reference against vectors PyTorch computed (fixtures/pytorch/vectors.json, written by
// fixtures/pytorch/generate.py; Python is not needed to run this). The cases sit on the edges the
// property suite draws: NaN, ±Infinity and ±0, saturating and large logits, ties, ceil-mode windows
// past the padding with and without count_include_pad, dilation, groups. The reference follows
// PyTorch there, so the suite's oracle is PyTorch's semantics, not only this project's reading of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ref from '../index.ts';
import { compareTensors } from '../../properties/compare.ts';

type Encoded = { shape: number[]; data: (number | string)[] };
type Case = Record<string, unknown> & { op: string };
const file = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'pytorch', 'vectors.json'), 'utf8')) as { torch: string; cases: Case[] };

const SPECIAL: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity, '-0': -0 };
const decode = (e: unknown): ref.Tensor => {
  const t = e as Encoded;
  return ref.fromFlat(t.shape, t.data.map((v) => (typeof v === 'string' ? SPECIAL[v] : v)));
};

/** Both float64: they differ only in summation order, far below 1e-11 relative to the values here. */
function expectClose(name: string, actual: ref.Tensor, expected: ref.Tensor): void {
  const bound = Float64Array.from(expected.data, (v) => 1e-11 * (1 + Math.abs(v)));
  const c = compareTensors(name, actual, expected, bound, { dtype: 'any' });
  expect(c.ok, c.message).toBe(true);
}

describe(`the reference against PyTorch ${file.torch} (float64)`, () => {
  it('has vectors for every operation family the suite draws edges of', () => {
    expect(new Set(file.cases.map((c) => c.op))).toEqual(new Set(['relu', 'sigmoid', 'softmax', 'logSoftmax', 'crossEntropy', 'maxPool2d', 'avgPool2d', 'conv2d']));
  });

  file.cases.forEach((c, k) => {
    const options: unknown = c.options; // the options of whichever op
    it(`case ${k}: ${c.op}${options ? ` ${JSON.stringify(options)}` : ''}`, () => {
      const x = c.x === undefined ? undefined : decode(c.x);
      const dy = c.dy === undefined ? undefined : decode(c.dy);
      switch (c.op) {
        case 'relu':
          expectClose('relu', ref.relu(x!), decode(c.y));
          expectClose('reluBackward', ref.reluBackward(dy!, x!).dx, decode(c.dx));
          break;
        case 'sigmoid':
        case 'softmax':
        case 'logSoftmax': {
          type Pair = [(t: ref.Tensor) => ref.Tensor, (g: ref.Tensor, out: ref.Tensor) => { readonly dx: ref.Tensor }];
          const pairs: Record<string, Pair> = {
            sigmoid: [ref.sigmoid, ref.sigmoidBackward], softmax: [ref.softmax, ref.softmaxBackward], logSoftmax: [ref.logSoftmax, ref.logSoftmaxBackward],
          };
          const [forward, backward] = pairs[c.op];
          const y = forward(x!);
          expectClose(c.op, y, decode(c.y));
          expectClose(`${c.op}Backward`, backward(dy!, y).dx, decode(c.dx));
          break;
        }
        case 'crossEntropy': {
          const logits = decode(c.logits);
          const labels = c.labels as number[];
          expect(Math.abs(ref.crossEntropy(logits, labels) - (c.loss as number))).toBeLessThanOrEqual(1e-11 * (1 + Math.abs(c.loss as number)));
          expectClose('crossEntropyBackward', ref.crossEntropyBackward(logits, labels).dlogits, decode(c.dlogits));
          // torch.argmax returns the first maximal value's index: accuracy's tie rule.
          const argmax = c.argmax as number[];
          expect(ref.accuracy(logits, labels)).toBe(argmax.filter((p, n) => p === labels[n]).length / labels.length);
          break;
        }
        case 'maxPool2d':
          expectClose('maxPool2d', ref.maxPool2d(x!, options as ref.MaxPool2dOptions), decode(c.y));
          expectClose('maxPool2dBackward', ref.maxPool2dBackward(dy!, x!, options as ref.MaxPool2dOptions).dx, decode(c.dx));
          break;
        case 'avgPool2d':
          expectClose('avgPool2d', ref.avgPool2d(x!, options as ref.AvgPool2dOptions), decode(c.y));
          expectClose('avgPool2dBackward', ref.avgPool2dBackward(dy!, x!, options as ref.AvgPool2dOptions).dx, decode(c.dx));
          break;
        case 'conv2d': {
          const w = decode(c.w);
          const o = options as ref.Conv2dOptions;
          expectClose('conv2d', ref.conv2d(x!, w, decode(c.b), o), decode(c.y));
          const g = ref.conv2dBackward(dy!, x!, w, o);
          for (const part of ['dx', 'dw', 'db'] as const) expectClose(`conv2dBackward ${part}`, g[part]!, decode(c[part]));
          break;
        }
        default:
          throw new Error(`fixtures/pytorch/vectors.json: unknown op '${c.op}'`);
      }
    });
  });
});
