// Coverage of the generators at the suite's seed and case count: every option combination that
// hides real bugs must be generated, and the table shows how often.
import { describe, expect, it } from 'vitest';
import { pool2dCase } from '../arbitraries/pool2dCase';
import { conformanceConv2dCases } from '../conformance/conv2d';
import { conv2dLabels, formatCoverage, labelCounts, pool2dLabels } from '../coverage';
import { SEED, numRunsFor } from '../settings';

const runs = numRunsFor('cpu');

describe(`generator coverage (seed ${SEED}, ${runs} cases as one gpu.js backend runs)`, () => {
  it('conv2d cases cover the risky combinations', () => {
    const counts = labelCounts(conformanceConv2dCases, conv2dLabels, SEED, runs);
    console.log(formatCoverage('conv2d-forward-equals-reference', counts, runs));
    for (const label of [
      'stride > 1 with asymmetric padding', 'dilation with padding', 'stride differs between axes', 'groups > 1', 'odd width',
      'width not a multiple of 4', 'a dimension of 1', 'forward sum > 1000 terms', 'weight-gradient sum > 1000 terms',
      'padding form number', 'padding form pair', 'padding form sides', 'bias', 'no bias', 'values cancelling',
      'batch >= 16 (split into chunks)',
    ]) {
      expect(counts.get(label) ?? 0, `no generated conv2d case has '${label}'`).toBeGreaterThan(0);
    }
  });

  it('pooling cases cover the risky combinations', () => {
    const counts = labelCounts(pool2dCase(), pool2dLabels, SEED, 2 * runs);
    console.log(formatCoverage('pooling (max and avg properties together)', counts, 2 * runs));
    for (const label of [
      'max pool', 'avg pool', 'stride defaults to the window', 'overlapping windows', 'ceilMode', 'ceilMode window past the padding',
      'avg: padding not counted', 'avg: padding counted', 'max: dilation', 'asymmetric padding', 'width not a multiple of 4',
    ]) {
      expect(counts.get(label) ?? 0, `no generated pooling case has '${label}'`).toBeGreaterThan(0);
    }
  });
});
