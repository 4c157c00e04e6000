// Coverage of the generators the properties really draw from, at the suite's seed and case count:
// every option combination that hides real bugs must be generated, and the table shows how often.
import { describe, expect, it } from 'vitest';
import { sigmoidEqualsReference } from '../operations/activations/conformance.ts';
import { crossEntropyEqualsReference } from '../operations/loss/conformance.ts';
import { conv2dForwardEqualsReference } from '../operations/conv2d/conformance.ts';
import { avgPool2dEqualsReference, maxPool2dEqualsReference } from '../operations/pool2d/conformance.ts';
import { conv2dLabels, formatCoverage, labelCounts, pool2dLabels, rowsCaseLabels } from '../coverage.ts';
import { SEED, numRunsFor } from '../settings.ts';

const runs = numRunsFor(); // a kernel backend's count (cpu, webasm, wasm-simd)

/** Fails naming every label no generated case carries. */
function expectEvery(counts: Map<string, number>, labels: readonly string[], what: string): void {
  const missing = labels.filter((label) => !counts.get(label));
  expect(missing, `no generated ${what} case has these`).toEqual([]);
}

describe(`generator coverage (seed ${SEED}, ${runs} cases as one gpu.js backend runs)`, () => {
  it('conv2d cases cover the risky combinations', () => {
    const counts = labelCounts(conv2dForwardEqualsReference.arbitrary, conv2dLabels, SEED, runs);
    console.log(formatCoverage(conv2dForwardEqualsReference.id, counts, runs));
    expectEvery(counts, [
      'stride > 1 with asymmetric padding', 'dilation with padding', 'stride differs between axes', 'groups > 1', 'odd width',
      'width not a multiple of 4', 'a dimension of 1', 'forward sum > 1000 terms', 'weight-gradient sum > 1000 terms',
      'padding form number', 'padding form pair', 'padding form sides', 'bias', 'no bias', 'values cancelling',
      'batch >= 16 (split into chunks)', '1x1 kernel', 'stride omitted (default)', 'padding omitted (default)', 'dilation omitted (default)',
      'groups omitted (default)',
    ], 'conv2d');
  });

  it('max-pool cases cover the risky combinations, ties included', () => {
    const counts = labelCounts(maxPool2dEqualsReference.arbitrary, pool2dLabels, SEED, runs);
    console.log(formatCoverage(maxPool2dEqualsReference.id, counts, runs));
    expectEvery(counts, [
      'stride defaults to the window', 'overlapping windows', 'ceilMode', 'ceilMode window past the padding at the bottom',
      'ceilMode window past the padding at the right', 'max: dilation', 'asymmetric padding', 'width not a multiple of 4',
      'ceilMode window past the padding at both edges', 'max: values ties', 'max: values distinct', 'padding omitted (default)', 'ceilMode omitted (default)', 'dilation omitted (default)',
    ], 'max-pool');
  });

  it('average-pool cases reach every ceil-mode edge with and without countIncludePad', () => {
    const counts = labelCounts(avgPool2dEqualsReference.arbitrary, pool2dLabels, SEED, runs);
    console.log(formatCoverage(avgPool2dEqualsReference.id, counts, runs));
    expectEvery(counts, [
      'stride defaults to the window', 'overlapping windows', 'ceilMode', 'ceilMode window past the padding at the bottom',
      'ceilMode window past the padding at the right', 'ceilMode window past the padding at both edges',
      'avg: ceilMode overhang at the bottom, padding counted', 'avg: ceilMode overhang at the bottom, padding not counted',
      'avg: ceilMode overhang at the right, padding counted', 'avg: ceilMode overhang at the right, padding not counted', 'avg: padding not counted',
      'avg: padding counted', 'asymmetric padding', 'countIncludePad omitted (default)', 'padding omitted (default)',
      'ceilMode omitted (default)',
    ], 'average-pool');
  });

  it('activation, softmax and loss cases draw every value regime, with special values', () => {
    for (const property of [sigmoidEqualsReference, crossEntropyEqualsReference]) {
      const counts = labelCounts(property.arbitrary, rowsCaseLabels, SEED, runs);
      console.log(formatCoverage(property.id, counts, runs));
      const inputs = ['x moderate', 'x saturating', 'x offset', 'x wide', 'x tiny', 'x ties', 'x with NaN, ±Infinity, ±0', 'rows of 100+ columns'];
      // Only the backward passes draw dy (cross-entropy's gradient comes from the labels).
      expectEvery(counts, property === sigmoidEqualsReference ? [...inputs, 'dy with NaN, ±0', 'dy wide', 'dy cancelling'] : inputs, property.id);
    }
  });
});
