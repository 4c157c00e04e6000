/** sigmoid, relu, softmax, logSoftmax, their backward passes, and the loss equal the reference. */
import fc from 'fast-check';
import * as ref from '../../reference/index';
import { assertClose, assertEqual, assertFloat32, assertThat } from '../compare';
import { defineProperty } from '../property';
import { float32Tensor } from '../tensors';
import { sumOfProductsTolerance, transcendentalTolerance } from '../tolerance';

export interface RowsCase {
  readonly rows: number;
  readonly columns: number;
  readonly seed: number;
}

const rowsCase: fc.Arbitrary<RowsCase> = fc.record({
  rows: fc.integer({ min: 1, max: 9 }),
  columns: fc.integer({ min: 2, max: 13 }),
  seed: fc.integer(),
});

const float32 = (t: ref.Tensor): ref.Tensor => ({ shape: t.shape, data: Float32Array.from(t.data) });

export const activationsEqualReference = defineProperty({
  id: 'activations-equal-reference',
  kind: 'conformance',
  statement: 'sigmoid, relu, softmax, logSoftmax and their backward passes equal the reference (exp/log within a few ulp)',
  arbitrary: rowsCase,
  async check(backend, c: RowsCase) {
    const shape = [c.rows, c.columns];
    const x = float32Tensor(shape, c.seed, 'uniform', 4); // [-4, 4): the range the exp bound assumes
    const dy = float32Tensor(shape, c.seed + 1);
    const y = ref.sigmoid(x);
    const sigmoid = await backend.sigmoid(x);
    assertFloat32('sigmoid', sigmoid);
    assertClose('sigmoid', sigmoid, y, transcendentalTolerance(y.data, 0));
    const y32 = float32(y);
    const sb = ref.sigmoidBackward(dy, y32).dx;
    assertClose('sigmoid dx', (await backend.sigmoidBackward(dy, y32)).dx, sb, sumOfProductsTolerance(Float64Array.from(sb.data, Math.abs), 3));

    const xr = float32Tensor(shape, c.seed + 2, 'distinct'); // no exact zeros: relu's kink is not sampled
    assertEqual('relu', await backend.relu(xr), ref.relu(xr));
    assertEqual('relu dx', (await backend.reluBackward(dy, xr)).dx, ref.reluBackward(dy, xr).dx);

    const s = ref.softmax(x);
    assertClose('softmax', await backend.softmax(x), s, transcendentalTolerance(s.data, c.columns));
    const s32 = float32(s);
    // |dx_i| <= y_i (|dy_i| + sum_j |dy_j| y_j): the absolute sum the rounding scales with.
    const dsBound = Float64Array.from(s32.data, (yi, i) => {
      const row = Math.floor(i / c.columns) * c.columns;
      let dot = 0;
      for (let j = 0; j < c.columns; j++) dot += Math.abs(dy.data[row + j]) * s32.data[row + j];
      return yi * (Math.abs(dy.data[i]) + dot);
    });
    assertClose('softmax dx', (await backend.softmaxBackward(dy, s32)).dx, ref.softmaxBackward(dy, s32).dx, sumOfProductsTolerance(dsBound, c.columns + 2));

    const l = ref.logSoftmax(x);
    assertClose('logSoftmax', await backend.logSoftmax(x), l, transcendentalTolerance(l.data, c.columns));
    const l32 = float32(l);
    const lb = ref.logSoftmaxBackward(dy, l32).dx;
    const lbScale = Float64Array.from(lb.data, (v, i) => Math.abs(v) + c.columns * Math.abs(dy.data[i]));
    assertClose('logSoftmax dx', (await backend.logSoftmaxBackward(dy, l32)).dx, lb, transcendentalTolerance(lbScale, c.columns));
  },
});

export const crossEntropyEqualsReference = defineProperty({
  id: 'cross-entropy-equals-reference',
  kind: 'conformance',
  statement: 'crossEntropy (mean over the batch), its gradient and accuracy equal the reference',
  arbitrary: rowsCase,
  async check(backend, c: RowsCase) {
    const logits = float32Tensor([c.rows, c.columns], c.seed, 'uniform', 4);
    const random = ref.createRandom(c.seed + 1);
    const labels = Array.from({ length: c.rows }, () => random.integer(c.columns));
    const expected = ref.crossEntropy(logits, labels);
    const loss = await backend.crossEntropy(logits, labels);
    const bound = transcendentalTolerance([expected], c.columns + c.rows)[0];
    assertThat(Math.abs(loss - expected) <= bound, `crossEntropy: ${loss}, expected ${expected} within ${bound}`);
    const g = ref.crossEntropyBackward(logits, labels).dlogits;
    const dlogits = (await backend.crossEntropyBackward(logits, labels)).dlogits;
    assertFloat32('crossEntropy dlogits', dlogits);
    assertClose('crossEntropy dlogits', dlogits, g, transcendentalTolerance(new Float64Array(g.data.length).fill(1 / c.rows), c.columns));
    // Distinct logits per row would make argmax unambiguous; uniform draws tie with probability ~0.
    const accuracy = await backend.accuracy(logits, labels);
    assertThat(accuracy === ref.accuracy(logits, labels), `accuracy: ${accuracy}, expected ${ref.accuracy(logits, labels)}`);
  },
});
