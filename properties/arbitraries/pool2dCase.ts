import fc from 'fast-check';
import type { AvgPool2dOptions, MaxPool2dOptions } from '../../reference/index.ts';
import { padding2d } from './conv2dCase.ts';
import { POOL_DEFAULTS, withoutDefaults } from './defaults.ts';

/** A pooling configuration with an input shape valid for it; the data comes from `seed`. */
export type Pool2dCase =
  | { readonly kind: 'max'; readonly xShape: readonly [number, number, number, number]; readonly options: MaxPool2dOptions; readonly seed: number }
  | { readonly kind: 'avg'; readonly xShape: readonly [number, number, number, number]; readonly options: AvgPool2dOptions; readonly seed: number };

/** Bounds of the generated cases. */
export interface Pool2dCaseConstraints {
  /** Largest batch. Default 2. */
  readonly maxBatch?: number;
  /** Largest channel count. Default 3. */
  readonly maxChannels?: number;
  /** Largest window side. Default 4. */
  readonly maxKernel?: number;
  /** Largest explicit stride (it may also be left to default to the window). Default 3. */
  readonly maxStride?: number;
  /** Largest dilation (max pooling only). Default 2. */
  readonly maxDilation?: number;
  /** Largest input side beyond the smallest one the window needs. Default 6. */
  readonly maxExtraSize?: number;
  /** Which poolings to generate. Default both. */
  readonly kinds?: readonly ('max' | 'avg')[];
}

/**
 * Window first (padding at most half of it, as PyTorch requires), then an input valid for it. Half
 * the cases leave out every option whose drawn value is the default (a stride is also left out on
 * its own, meaning the window).
 */
export function pool2dCase(constraints: Pool2dCaseConstraints = {}): fc.Arbitrary<Pool2dCase> {
  const { maxBatch = 2, maxChannels = 3, maxKernel = 4, maxStride = 3, maxDilation = 2, maxExtraSize = 6, kinds = ['max', 'avg'] } = constraints;
  const int = (min: number, max: number) => fc.integer({ min, max });
  return fc
    .record({
      kind: fc.constantFrom(...kinds),
      kernel: fc.tuple(int(1, maxKernel), int(1, maxKernel)),
      stride: fc.option(fc.tuple(int(1, maxStride), int(1, maxStride)), { nil: undefined }),
      dilation: fc.tuple(int(1, maxDilation), int(1, maxDilation)),
      ceilMode: fc.boolean(),
      countIncludePad: fc.boolean(),
      batch: int(1, maxBatch),
      channels: int(1, maxChannels),
      extra: fc.tuple(int(0, maxExtraSize), int(0, maxExtraSize)),
      omitDefaults: fc.boolean(),
      seed: fc.integer(),
    })
    .chain((c) =>
      padding2d(Math.floor(Math.min(c.kernel[0], c.kernel[1]) / 2)).map((padding) => {
        const dilation = c.kind === 'max' ? c.dilation : ([1, 1] as [number, number]);
        const spanH = dilation[0] * (c.kernel[0] - 1) + 1;
        const spanW = dilation[1] * (c.kernel[1] - 1) + 1;
        const H = Math.max(1, spanH - padding.top - padding.bottom) + c.extra[0];
        const W = Math.max(1, spanW - padding.left - padding.right) + c.extra[1];
        const xShape = [c.batch, c.channels, H, W] as const;
        const common = { kernelSize: c.kernel, stride: c.stride, padding: padding.form, ceilMode: c.ceilMode };
        const options = c.kind === 'max' ? { ...common, dilation } : { ...common, countIncludePad: c.countIncludePad };
        const drop = c.omitDefaults ? POOL_DEFAULTS : {};
        return { kind: c.kind, xShape, options: withoutDefaults(options, drop), seed: c.seed } as Pool2dCase;
      }),
    );
}
