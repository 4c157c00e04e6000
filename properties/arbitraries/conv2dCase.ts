import fc from 'fast-check';
import type { Conv2dOptions, Padding2d } from '../../reference/index.ts';
import { CONV_DEFAULTS, withoutDefaults } from './defaults.ts';

/** A conv2d configuration with shapes valid for it; the data comes from `seed`. */
export interface Conv2dCase {
  readonly xShape: readonly [number, number, number, number];
  readonly weightShape: readonly [number, number, number, number];
  readonly hasBias: boolean;
  readonly options: Conv2dOptions;
  /** Seed for the tensors' values (see `materialize`). */
  readonly seed: number;
}

/** Bounds of the generated cases; each default keeps one reference call under a millisecond or so. */
export interface Conv2dCaseConstraints {
  /** Smallest batch. Default 1. */
  readonly minBatch?: number;
  /** Largest batch. Default 2. */
  readonly maxBatch?: number;
  /** Largest number of groups. Default 3. */
  readonly maxGroups?: number;
  /** Largest Cin/groups and Cout/groups. Default 3. */
  readonly maxChannelsPerGroup?: number;
  /** Largest kernel side. Default 4. */
  readonly maxKernel?: number;
  /** Largest stride. Default 3. */
  readonly maxStride?: number;
  /** Largest dilation. Default 2. */
  readonly maxDilation?: number;
  /** Largest padding on one side. Default 2. */
  readonly maxPadding?: number;
  /** Largest input side beyond the smallest one the window needs. Default 6. */
  readonly maxExtraSize?: number;
  /** Smallest input width beyond the smallest one the window needs (long rows). Default 0. */
  readonly minExtraWidth?: number;
}

/** Padding in any of its three spellings, each side in `[0, max]`. */
export function padding2d(max: number): fc.Arbitrary<{ form: Padding2d; top: number; bottom: number; left: number; right: number }> {
  const side = fc.integer({ min: 0, max });
  return fc.oneof(
    side.map((p) => ({ form: p as Padding2d, top: p, bottom: p, left: p, right: p })),
    fc.tuple(side, side).map(([ph, pw]) => ({ form: [ph, pw] as Padding2d, top: ph, bottom: ph, left: pw, right: pw })),
    fc.record({ top: side, bottom: side, left: side, right: side }).map((p) => ({ form: { ...p } as Padding2d, ...p })),
  );
}

/**
 * Configuration first (kernel, stride, padding, dilation, groups), then shapes valid for it. Half the
 * cases leave out every option whose drawn value is the default, so the backend's defaults run.
 */
export function conv2dCase(constraints: Conv2dCaseConstraints = {}): fc.Arbitrary<Conv2dCase> {
  const {
    minBatch = 1, maxBatch = 2, maxGroups = 3, maxChannelsPerGroup = 3, maxKernel = 4, maxStride = 3, maxDilation = 2,
    maxPadding = 2, maxExtraSize = 6, minExtraWidth = 0,
  } = constraints;
  if (minExtraWidth > maxExtraSize) throw new Error(`conv2dCase: minExtraWidth (${minExtraWidth}) is above maxExtraSize (${maxExtraSize}). Fix: raise maxExtraSize to at least minExtraWidth.`);
  const int = (min: number, max: number) => fc.integer({ min, max });
  return fc
    .record({
      kernel: fc.tuple(int(1, maxKernel), int(1, maxKernel)),
      stride: fc.tuple(int(1, maxStride), int(1, maxStride)),
      dilation: fc.tuple(int(1, maxDilation), int(1, maxDilation)),
      padding: padding2d(maxPadding),
      groups: int(1, maxGroups),
      inPerGroup: int(1, maxChannelsPerGroup),
      outPerGroup: int(1, maxChannelsPerGroup),
      batch: int(minBatch, maxBatch),
      extra: fc.tuple(int(0, maxExtraSize), int(minExtraWidth, maxExtraSize)),
      hasBias: fc.boolean(),
      omitDefaults: fc.boolean(),
      seed: fc.integer(),
    })
    .map((c) => {
      // Smallest input the dilated window fits in once padded (at least 1).
      const spanH = c.dilation[0] * (c.kernel[0] - 1) + 1;
      const spanW = c.dilation[1] * (c.kernel[1] - 1) + 1;
      const H = Math.max(1, spanH - c.padding.top - c.padding.bottom) + c.extra[0];
      const W = Math.max(1, spanW - c.padding.left - c.padding.right) + c.extra[1];
      return {
        xShape: [c.batch, c.groups * c.inPerGroup, H, W] as const,
        weightShape: [c.groups * c.outPerGroup, c.inPerGroup, c.kernel[0], c.kernel[1]] as const,
        hasBias: c.hasBias,
        options: withoutDefaults({ stride: c.stride, padding: c.padding.form, dilation: c.dilation, groups: c.groups }, c.omitDefaults ? CONV_DEFAULTS : {}),
        seed: c.seed,
      };
    });
}
