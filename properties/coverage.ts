/**
 * What the generators actually produce: the option combinations a run of the suite covers, so a gap
 * is visible (and, in properties/tests/coverage.test.ts, a failure).
 */
import fc from 'fast-check';
import * as ref from '../reference/index.ts';
import type { Conv2dCase } from './arbitraries/conv2dCase.ts';
import type { Pool2dCase } from './arbitraries/pool2dCase.ts';

function paddingForm(p: ref.Padding2d | undefined): string {
  if (p === undefined || typeof p === 'number') return 'number';
  return Array.isArray(p) ? 'pair' : 'sides';
}

/** The labels a conv2d case counts under (a case has several). */
export function conv2dLabels(c: Conv2dCase & { values?: string }): string[] {
  const g = ref.resolveConv2d('coverage', c.xShape, c.weightShape, null, c.options);
  const asymmetric = g.padTop !== g.padBottom || g.padLeft !== g.padRight;
  const strided = g.strideH > 1 || g.strideW > 1;
  const dilated = g.dilationH > 1 || g.dilationW > 1;
  const padded = g.padTop + g.padBottom + g.padLeft + g.padRight > 0;
  const labels = [`padding form ${paddingForm(c.options.padding)}`, c.hasBias ? 'bias' : 'no bias', `values ${c.values ?? 'uniform'}`];
  if (strided && asymmetric) labels.push('stride > 1 with asymmetric padding');
  if (dilated && padded) labels.push('dilation with padding');
  if (g.strideH !== g.strideW) labels.push('stride differs between axes');
  if (g.groups > 1) labels.push('groups > 1');
  if (g.inW % 2 === 1) labels.push('odd width');
  if (g.inW % 4 !== 0) labels.push('width not a multiple of 4');
  if ([g.batch, g.inChannels, g.inH, g.inW, g.outChannels, g.kernelH, g.kernelW].includes(1)) labels.push('a dimension of 1');
  if (g.inChannelsPerGroup * g.kernelH * g.kernelW > 1000) labels.push('forward sum > 1000 terms');
  if (g.batch * g.outH * g.outW > 1000) labels.push('weight-gradient sum > 1000 terms');
  if (g.batch >= 16) labels.push('batch >= 16 (split into chunks)');
  if (g.kernelH === 1 && g.kernelW === 1) labels.push('1x1 kernel');
  for (const key of ['stride', 'padding', 'dilation', 'groups'] as const) if (!(key in c.options)) labels.push(`${key} omitted (default)`);
  return labels;
}

/** The labels a pooling case counts under. */
export function pool2dLabels(c: Pool2dCase & { values?: string }): string[] {
  const g = ref.resolvePool2d('coverage', c.xShape, c.options, c.kind === 'max' ? ref.MAX_POOL2D_OPTIONS : ref.AVG_POOL2D_OPTIONS);
  const padded = g.padTop + g.padBottom + g.padLeft + g.padRight > 0;
  const labels = [`${c.kind} pool`, `padding form ${paddingForm(c.options.padding)}`];
  if (c.options.stride === undefined) labels.push('stride defaults to the window');
  if (g.strideH < g.kernelH || g.strideW < g.kernelW) labels.push('overlapping windows');
  if (g.ceilMode) labels.push('ceilMode');
  // The last window's far edge, dilation included, past the input and its trailing padding.
  const pastBottom = g.ceilMode && (g.outH - 1) * g.strideH + g.dilationH * (g.kernelH - 1) + 1 > g.inH + g.padTop + g.padBottom;
  const pastRight = g.ceilMode && (g.outW - 1) * g.strideW + g.dilationW * (g.kernelW - 1) + 1 > g.inW + g.padLeft + g.padRight;
  if (pastBottom) labels.push('ceilMode window past the padding at the bottom');
  if (pastRight) labels.push('ceilMode window past the padding at the right');
  if (pastBottom && pastRight) labels.push('ceilMode window past the padding at both edges');
  const counted = c.kind === 'avg' && c.options.countIncludePad === false ? 'not counted' : 'counted';
  if (c.kind === 'avg' && pastBottom) labels.push(`avg: ceilMode overhang at the bottom, padding ${counted}`);
  if (c.kind === 'avg' && pastRight) labels.push(`avg: ceilMode overhang at the right, padding ${counted}`);
  if (c.kind === 'max') labels.push(`max: values ${c.values ?? 'distinct'}`);
  for (const key of ['stride', 'padding', 'ceilMode', c.kind === 'max' ? 'dilation' : 'countIncludePad'] as const) {
    if (!(key in c.options) || (c.options as unknown as Record<string, unknown>)[key] === undefined) labels.push(`${key} omitted (default)`);
  }
  if (c.kind === 'avg' && padded) labels.push(c.options.countIncludePad === false ? 'avg: padding not counted' : 'avg: padding counted');
  if (c.kind === 'max' && (g.dilationH > 1 || g.dilationW > 1)) labels.push('max: dilation');
  if (g.padTop !== g.padBottom || g.padLeft !== g.padRight) labels.push('asymmetric padding');
  if (g.inW % 4 !== 0) labels.push('width not a multiple of 4');
  return labels;
}

/** The labels an activation-family case counts under: the value regimes of x and dy. */
export function rowsCaseLabels(c: { columns: number; x?: { values: string; specials: boolean }; dy?: { values: string; specials: boolean } }): string[] {
  const labels = [`x ${c.x?.values ?? 'moderate'}`, `dy ${c.dy?.values ?? 'uniform'}`];
  if (c.x?.specials) labels.push('x with NaN, ±Infinity, ±0');
  if (c.dy?.specials) labels.push('dy with NaN, ±0');
  if (c.columns >= 100) labels.push('rows of 100+ columns');
  return labels;
}

/** How many of `numRuns` cases drawn with `seed` carry each label (the draw fast-check makes with that seed). */
export function labelCounts<T>(arbitrary: fc.Arbitrary<T>, labels: (value: T) => string[], seed: number, numRuns: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of fc.sample(arbitrary, { seed, numRuns })) {
    for (const label of labels(value)) counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}

/** A terminal table of label shares. */
export function formatCoverage(title: string, counts: Map<string, number>, numRuns: number): string {
  const rows = [...counts].sort((a, b) => b[1] - a[1]).map(([label, n]) => `  ${label.padEnd(40)} ${String(n).padStart(4)}  ${((100 * n) / numRuns).toFixed(0).padStart(3)}%`);
  return [`${title} (${numRuns} cases)`, ...rows].join('\n');
}
