import fc from 'fast-check';
import type { Pool2dCase } from './pool2dCase.ts';

/** Bounds of the generated cases. */
export interface ChapterPool2dCaseConstraints {
  /** Largest input side. Default 21 (odd, so ceil mode has a window sticking out). */
  readonly maxSize?: number;
}

/**
 * The chapter's pooling window, 2x2 at stride 2 without padding (LeNet's), on inputs wide enough
 * for backends that vectorize it (four outputs at a time from 8 input columns) to take that path,
 * with odd sides and ceil mode so a window can stick out of the input next to vectorized ones.
 */
export function chapterPool2dCase(kind: 'max' | 'avg', constraints: ChapterPool2dCaseConstraints = {}): fc.Arbitrary<Pool2dCase> {
  const { maxSize = 21 } = constraints;
  const int = (min: number, max: number) => fc.integer({ min, max });
  // Half the sides are 4m + 3: in ceil mode that is 4(m + 1) outputs whose last window sticks out,
  // the edge where a vectorized row must stop one group early.
  const side = fc.oneof(int(2, maxSize), int(1, Math.floor((maxSize - 3) / 4)).map((m) => 4 * m + 3));
  return fc
    .record({
      batch: int(1, 2), channels: int(1, 3), H: side, W: side,
      explicitStride: fc.boolean(), ceilMode: fc.boolean(), countIncludePad: fc.boolean(), seed: fc.integer(),
    })
    .map((c) => {
      const xShape = [c.batch, c.channels, c.H, c.W] as const;
      const common = { kernelSize: 2, ...(c.explicitStride ? { stride: 2 } : {}), ceilMode: c.ceilMode };
      return kind === 'max'
        ? { kind: 'max' as const, xShape, options: common, seed: c.seed }
        : { kind: 'avg' as const, xShape, options: { ...common, countIncludePad: c.countIncludePad }, seed: c.seed };
    });
}
