/**
 * The conformance matrix's cells: one conformance property per operation × option family, drawing
 * only cases of that family with every other option at its default, so a difference is blamed on
 * the option that causes it (a runtime that mishandles dilation fails the dilation column, not the
 * whole row). Each cell judges through `expectConforms`, the suite's own comparator and error model,
 * so its verdict, its worst error ratio and its failing call mean what they mean in the suite.
 */
import fc from 'fast-check';
import * as ref from '../../reference/index.ts';
import type { OperationName } from '../../kernels/backend.ts';
import { ceilEdgePool2dCase } from '../arbitraries/ceilEdgePool2dCase.ts';
import { conv2dCase, type Conv2dCase, type Conv2dCaseConstraints } from '../arbitraries/conv2dCase.ts';
import { deepConv2dCase } from '../arbitraries/deepConv2dCase.ts';
import { pool2dCase, type Pool2dCase } from '../arbitraries/pool2dCase.ts';
import { expectConforms } from '../judges.ts';
import { defineProperty, type BackendProperty } from '../property.ts';
import { belowZero, float32Tensor, type ValueKind } from '../tensors.ts';

/** A column of the matrix: an option family, what its cases draw, and what PyTorch does there. */
export interface MatrixColumn {
  readonly id: string;
  readonly title: string;
  /** What the column's cases are, in words (the page's legend). */
  readonly draws: string;
}

export const MATRIX_COLUMNS: readonly MatrixColumn[] = [
  { id: 'defaults', title: 'defaults', draws: 'no padding, stride 1 (pools: the window), no dilation, one group, floor mode; values uniform in [-1, 1)' },
  { id: 'padding', title: 'padding', draws: 'the same padding on both sides of an axis (a number or [h, w]), every other option at its default' },
  { id: 'padding-per-side', title: 'padding per side', draws: 'padding { top, bottom, left, right } differing between the sides of an axis' },
  { id: 'stride', title: 'stride', draws: 'a stride other than the default (conv: > 1; pools: not the window, so windows overlap or skip)' },
  { id: 'dilation', title: 'dilation', draws: 'dilation > 1 on at least one axis (conv2d and max pooling)' },
  { id: 'dilation-padding', title: 'dilation + padding', draws: 'dilation > 1 with padding: a max-pool window may then see only padding (PyTorch pads with -Infinity, so such a window gives -Infinity)' },
  { id: 'groups', title: 'groups', draws: 'grouped convolution, groups > 1' },
  { id: 'ceil-mode', title: 'ceil mode', draws: 'ceilMode: true with the last window hanging past the trailing padding (PyTorch keeps it when it starts inside the input or the leading padding); the overhang needs a stride of 2 or more and padding per side, countIncludePad stays at its default' },
  { id: 'exclude-pad', title: 'countIncludePad: false', draws: 'padded average pooling whose divisor counts only the input cells of each window' },
  { id: 'nan', title: 'NaN, ±Infinity', draws: 'NaN, +Infinity and -Infinity written into x (and NaN into dy for gradients), options at their defaults' },
  { id: 'ties', title: 'ties', draws: 'integers in [-2, 2], options at their defaults: equal maxima in most windows (PyTorch: the first in row-major order wins the gradient)' },
  { id: 'large', title: 'large magnitudes', draws: 'conv: random signs and magnitudes over 2^-6 .. 2^10, sums that cancel; pools: one offset of ±2^7 .. ±2^15 plus [-8, 8) (max pooling: all below zero), windows far from zero; options at their defaults' },
  { id: 'long-sums', title: 'long sums', draws: 'more than 1000 terms per output (40 to 71 channels, or 1000+ positions for the weight gradient), options at their defaults' },
];

/** The matrix's rows. */
export const MATRIX_OPERATIONS = ['conv2d', 'conv2dBackward', 'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward'] as const satisfies readonly OperationName[];
export type MatrixOperation = (typeof MATRIX_OPERATIONS)[number];

/** One drawn case of a cell: a convolution or pooling configuration, its values, and where NaNs go. */
export type CellCase =
  | { readonly kind: 'conv'; readonly c: Conv2dCase; readonly values: ValueKind; readonly nans?: readonly (readonly [number, number])[] }
  | { readonly kind: 'pool'; readonly c: Pool2dCase; readonly values: ValueKind; readonly nans?: readonly (readonly [number, number])[] };

export interface MatrixCell {
  readonly op: MatrixOperation;
  readonly column: string;
  /** `matrix:<op>:<column>`: the id expected differences and reports name it by. */
  readonly property: BackendProperty<CellCase>;
}

export const cellId = (op: string, column: string): string => `matrix:${op}:${column}`;

// ---- what each column draws -------------------------------------------------------------------

/** Every conv option at its default but those the column varies. */
const PLAIN_CONV: Conv2dCaseConstraints = { maxStride: 1, maxDilation: 1, maxPadding: 0, maxGroups: 1 };

const convGeometry = (c: Conv2dCase) => ref.resolveConv2d('conv2d', c.xShape, c.weightShape, null, c.options);
const symmetric = (g: { padTop: number; padBottom: number; padLeft: number; padRight: number }) => g.padTop === g.padBottom && g.padLeft === g.padRight;
const padded = (g: { padTop: number; padBottom: number; padLeft: number; padRight: number }) => g.padTop + g.padBottom + g.padLeft + g.padRight > 0;

const CONV_CASES: Readonly<Record<string, fc.Arbitrary<{ c: Conv2dCase; values: ValueKind }>>> = {
  defaults: conv2dCase(PLAIN_CONV).map((c) => ({ c, values: 'uniform' })),
  padding: conv2dCase({ ...PLAIN_CONV, maxPadding: 2 }).filter((c) => padded(convGeometry(c)) && symmetric(convGeometry(c))).map((c) => ({ c, values: 'uniform' })),
  'padding-per-side': conv2dCase({ ...PLAIN_CONV, maxPadding: 2 }).filter((c) => !symmetric(convGeometry(c))).map((c) => ({ c, values: 'uniform' })),
  stride: conv2dCase({ ...PLAIN_CONV, maxStride: 3 }).filter((c) => convGeometry(c).strideH * convGeometry(c).strideW > 1).map((c) => ({ c, values: 'uniform' })),
  dilation: conv2dCase({ ...PLAIN_CONV, maxDilation: 3 }).filter((c) => convGeometry(c).dilationH * convGeometry(c).dilationW > 1).map((c) => ({ c, values: 'uniform' })),
  'dilation-padding': conv2dCase({ ...PLAIN_CONV, maxDilation: 3, maxPadding: 2 }).filter((c) => convGeometry(c).dilationH * convGeometry(c).dilationW > 1 && padded(convGeometry(c))).map((c) => ({ c, values: 'uniform' })),
  groups: conv2dCase({ ...PLAIN_CONV, maxGroups: 4 }).filter((c) => convGeometry(c).groups > 1).map((c) => ({ c, values: 'uniform' })),
  // The value columns keep every option at its default too, so a value's failure is not an option's.
  nan: conv2dCase(PLAIN_CONV).map((c) => ({ c, values: 'uniform' })),
  large: conv2dCase(PLAIN_CONV).map((c) => ({ c, values: 'cancelling' })),
  'long-sums': deepConv2dCase().map((c) => ({ c: { ...c, options: {} }, values: 'uniform' })),
};

type PoolKind = 'max' | 'avg';
const poolGeometry = (c: Pool2dCase) => ref.resolvePool2d(c.kind === 'max' ? 'maxPool2d' : 'avgPool2d', c.xShape, c.options, Object.keys(c.options));
/** The window's own stride (the option left out, or equal to the window). */
const windowStride = (c: Pool2dCase) => { const g = poolGeometry(c); return g.strideH === g.kernelH && g.strideW === g.kernelW; };
const dilated = (c: Pool2dCase) => { const g = poolGeometry(c); return g.dilationH * g.dilationW > 1; };
const includesPad = (c: Pool2dCase) => c.kind === 'max' || (c.options as ref.AvgPool2dOptions).countIncludePad !== false;
const floorMode = (c: Pool2dCase) => c.options.ceilMode !== true;

/** Pool cases of one kind whose options are all at their defaults but those `keep` allows. */
const pools = (kind: PoolKind, keep: (c: Pool2dCase) => boolean, values: ValueKind, dilation = false) =>
  pool2dCase({ kinds: [kind], maxDilation: dilation ? 2 : 1 }).filter(keep).map((c) => ({ c, values }));

const poolCases = (kind: PoolKind): Readonly<Record<string, fc.Arbitrary<{ c: Pool2dCase; values: ValueKind }>>> => {
  // Distinct values keep every max-pool window's winner unique outside the ties column.
  const v: ValueKind = kind === 'max' ? 'distinct' : 'uniform';
  const plain = (c: Pool2dCase) => windowStride(c) && !dilated(c) && floorMode(c) && includesPad(c);
  return {
    defaults: pools(kind, (c) => plain(c) && !padded(poolGeometry(c)), v),
    padding: pools(kind, (c) => plain(c) && padded(poolGeometry(c)) && symmetric(poolGeometry(c)), v),
    'padding-per-side': pools(kind, (c) => plain(c) && !symmetric(poolGeometry(c)), v),
    stride: pools(kind, (c) => !windowStride(c) && !dilated(c) && floorMode(c) && includesPad(c) && !padded(poolGeometry(c)), v),
    ...(kind === 'max' ? {
      dilation: pools(kind, (c) => dilated(c) && windowStride(c) && floorMode(c) && !padded(poolGeometry(c)), v, true),
      'dilation-padding': pools(kind, (c) => dilated(c) && windowStride(c) && floorMode(c) && padded(poolGeometry(c)), v, true),
    } : {}),
    // Padding per side and a stride of 2 or more are how a last window overhangs; countIncludePad stays at its default.
    'ceil-mode': ceilEdgePool2dCase(kind).filter(includesPad).map((c) => ({ c, values: v })),
    ...(kind === 'avg' ? { 'exclude-pad': pools(kind, (c) => !includesPad(c) && padded(poolGeometry(c)) && floorMode(c) && windowStride(c), v) } : {}),
    // The value columns keep every option at its default too, so a value's failure is not an option's.
    nan: pools(kind, (c) => plain(c) && !padded(poolGeometry(c)), v),
    ...(kind === 'max' ? { ties: pools(kind, (c) => plain(c) && !padded(poolGeometry(c)), 'ties') } : {}),
    // Far from zero: a window whose maximum is -5000 shows a sentinel other than -Infinity.
    large: pools(kind, (c) => plain(c) && !padded(poolGeometry(c)), 'offset'),
  };
};

/** Positions (taken modulo the tensor's size) and which special: 0-3 NaN, 4 +Infinity, 5 -Infinity. */
const nanPositions = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 4 });

/** `t` with the specials written in; gradients take NaN only (an infinite dy is indeterminate in float32). */
function withSpecialsAt(t: ref.Tensor, positions: readonly (readonly [number, number])[], nanOnly = false): ref.Tensor {
  const data = Float32Array.from(t.data);
  for (const [p, which] of positions) data[p % data.length] = nanOnly || which < 4 ? NaN : which === 4 ? Infinity : -Infinity;
  return { shape: t.shape, data };
}

// ---- the calls a case makes -------------------------------------------------------------------

/** The arguments of `op` for a drawn case: the same tensors the suite's own conformance properties draw. */
export function cellArguments(op: MatrixOperation, k: CellCase): unknown[] {
  const nans = k.nans ?? [];
  const special = (t: ref.Tensor, nanOnly = false) => (nans.length ? withSpecialsAt(t, nans, nanOnly) : t);
  if (k.kind === 'conv') {
    const c = k.c;
    const x = special(float32Tensor(c.xShape, c.seed, k.values));
    const w = float32Tensor(c.weightShape, c.seed + 1, k.values);
    if (op === 'conv2d') return [x, w, c.hasBias ? float32Tensor([c.weightShape[0]], c.seed + 2, k.values) : null, c.options];
    const g = convGeometry(c);
    const dy = special(float32Tensor([g.batch, g.outChannels, g.outH, g.outW], c.seed + 3, k.values), true);
    return [dy, x, w, c.options];
  }
  const c = k.c;
  const drawn = float32Tensor(c.xShape, c.seed, k.values);
  // Far below zero for max pooling, where a sentinel other than -Infinity shows (the suite's own rule).
  const x = special(k.values === 'offset' && c.kind === 'max' ? belowZero(drawn) : drawn);
  if (op === 'maxPool2d' || op === 'avgPool2d') return [x, c.options];
  const shape = (c.kind === 'max' ? ref.maxPool2d(x, c.options) : ref.avgPool2d(x, c.options)).shape;
  return [special(float32Tensor(shape, c.seed + 1, 'uniform'), true), x, c.options];
}

function cell(op: MatrixOperation, column: MatrixColumn, cases: fc.Arbitrary<{ c: Conv2dCase; values: ValueKind } | { c: Pool2dCase; values: ValueKind }>): MatrixCell {
  const kind = op.startsWith('conv') ? 'conv' : 'pool';
  const arbitrary: fc.Arbitrary<CellCase> = column.id === 'nan'
    ? fc.tuple(cases, nanPositions).map(([d, nans]) => ({ kind, ...d, nans }) as CellCase)
    : cases.map((d) => ({ kind, ...d }) as CellCase);
  return {
    op,
    column: column.id,
    property: defineProperty<CellCase>({
      id: cellId(op, column.id),
      kind: 'conformance',
      uses: [op],
      statement: `${op} equals the reference within its error model on ${column.title}: ${column.draws}`,
      arbitrary,
      async check(backend, k, context) {
        await expectConforms(backend, op, cellArguments(op, k), context);
      },
    }),
  };
}

/** Every cell that applies (a column that means nothing for an operation, e.g. groups for a pool, has none). */
export const MATRIX_CELLS: readonly MatrixCell[] = MATRIX_OPERATIONS.flatMap((op) => {
  const cases = op.startsWith('conv') ? CONV_CASES : poolCases(op.startsWith('max') ? 'max' : 'avg');
  return MATRIX_COLUMNS.filter((column) => column.id in cases).map((column) => cell(op, column, cases[column.id] as fc.Arbitrary<{ c: Conv2dCase; values: ValueKind }>));
});
