import fc from 'fast-check';
import { outputSize } from '../../reference/index.ts';
import type { Pool2dCase } from './pool2dCase.ts';

/** Bounds of the generated cases. */
export interface CeilEdgePool2dCaseConstraints {
  /** Largest window side. Default 4. */
  readonly maxKernel?: number;
  /** Largest stride (at least 2: a unit stride never leaves a remainder to round up). Default 4. */
  readonly maxStride?: number;
  /** Largest input side. Default 14. */
  readonly maxSize?: number;
}

/**
 * Input sizes along one axis for which ceil mode adds a last window that hangs past the trailing
 * padding yet starts inside the input or its leading padding (PyTorch keeps such a window).
 */
export function overhangingSizes(kernel: number, stride: number, padBegin: number, padEnd: number, maxSize: number): number[] {
  // Ceil mode gives one output more than floor mode exactly there (the reference's own rule).
  const sizes: number[] = [];
  for (let n = Math.max(1, kernel - padBegin - padEnd); n <= maxSize; n++) {
    if (outputSize(n, kernel, stride, padBegin, padEnd, 1, true) > outputSize(n, kernel, stride, padBegin, padEnd, 1, false)) sizes.push(n);
  }
  return sizes;
}

/**
 * Ceil-mode pooling whose last window overhangs the padding at the bottom edge, the right edge, or
 * both, made on purpose rather than waited for: the edge where the average's divisor (with or
 * without `countIncludePad`) and the window's clipping are easiest to get wrong.
 */
export function ceilEdgePool2dCase(kind: 'max' | 'avg', constraints: CeilEdgePool2dCaseConstraints = {}): fc.Arbitrary<Pool2dCase> {
  const { maxKernel = 4, maxStride = 4, maxSize = 14 } = constraints;
  const int = (min: number, max: number) => fc.integer({ min, max });
  const axis = fc
    .record({ kernel: int(2, maxKernel), stride: int(2, maxStride), padBegin: fc.nat(), padEnd: fc.nat(), pick: fc.nat() })
    .map((a) => {
      const half = Math.floor(a.kernel / 2);
      const padBegin = a.padBegin % (half + 1);
      const padEnd = a.padEnd % (half + 1);
      return { kernel: a.kernel, stride: a.stride, padBegin, padEnd, sizes: overhangingSizes(a.kernel, a.stride, padBegin, padEnd, maxSize), pick: a.pick };
    })
    .filter((a) => a.sizes.length > 0);
  return fc
    .record({
      edge: fc.constantFrom('bottom', 'right', 'both', 'both'),
      rows: axis, columns: axis, otherRows: int(1, maxSize), otherColumns: int(1, maxSize),
      batch: int(1, 2), channels: int(1, 2), countIncludePad: fc.boolean(), seed: fc.integer(),
    })
    .map((c) => {
      // The other axis: any size the window fits in once padded (it may overhang too, by chance).
      const size = (a: typeof c.rows, overhang: boolean, other: number) =>
        overhang ? a.sizes[a.pick % a.sizes.length] : Math.max(other, a.kernel - a.padBegin - a.padEnd, 1);
      const H = size(c.rows, c.edge !== 'right', c.otherRows);
      const W = size(c.columns, c.edge !== 'bottom', c.otherColumns);
      const xShape = [c.batch, c.channels, H, W] as const;
      const common = {
        kernelSize: [c.rows.kernel, c.columns.kernel] as [number, number],
        stride: [c.rows.stride, c.columns.stride] as [number, number],
        padding: { top: c.rows.padBegin, bottom: c.rows.padEnd, left: c.columns.padBegin, right: c.columns.padEnd },
        ceilMode: true,
      };
      return kind === 'max'
        ? { kind: 'max' as const, xShape, options: common, seed: c.seed }
        : { kind: 'avg' as const, xShape, options: { ...common, countIncludePad: c.countIncludePad }, seed: c.seed };
    });
}
