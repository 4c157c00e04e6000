/** The softmax cross-entropy loss, its gradient and accuracy equal the reference, for logits of any magnitude. */
import { rowsCase, rowsInputs, rowsLabels, type RowsCase } from '../../arbitraries/rowsCase.ts';
import { expectConforms } from '../../judges.ts';
import { defineProperty } from '../../property.ts';

export const crossEntropyEqualsReference = defineProperty({
  id: 'cross-entropy-equals-reference',
  kind: 'conformance',
  uses: ['crossEntropy', 'crossEntropyBackward', 'accuracy'],
  partial: true,
  statement: 'crossEntropy (mean over the batch), its gradient and accuracy (ties to the first maximum) equal the reference, for logits of any magnitude',
  arbitrary: rowsCase,
  async check(backend, c: RowsCase, context) {
    const { x: logits } = rowsInputs(c);
    const labels = rowsLabels(c, logits);
    await expectConforms(backend, 'crossEntropy', [logits, labels], context);
    await expectConforms(backend, 'crossEntropyBackward', [logits, labels], context);
    await expectConforms(backend, 'accuracy', [logits, labels], context);
  },
});
