import fc from 'fast-check';
import type { Conv2dCase } from './conv2dCase.ts';

/**
 * conv2d cases whose sums are longer than gpu.js's default 1000 loop iterations: either the forward
 * sum (Cin*kh*kw taps, 1000 to 1600) or the weight-gradient sum (N*outH*outW positions, 1000 to 1400).
 * A kernel that relies on `loopMaxIterations` silently truncates them.
 */
export function deepConv2dCase(): fc.Arbitrary<Conv2dCase> {
  const int = (min: number, max: number) => fc.integer({ min, max });
  const longTapSum = fc.record({ k: int(4, 5), extraH: int(0, 3), extraW: int(0, 3), cout: int(1, 2), seed: fc.integer() }).map((c) => {
    const cin = Math.ceil(1000 / (c.k * c.k)) + (c.seed & 7); // 40..48 channels at k=5, 63..71 at k=4
    return {
      xShape: [1, cin, c.k + c.extraH, c.k + c.extraW] as const,
      weightShape: [c.cout, cin, c.k, c.k] as const,
      hasBias: true,
      options: { padding: 1 },
      seed: c.seed,
    };
  });
  const longPositionSum = fc.record({ batch: int(1, 3), k: int(1, 3), cout: int(1, 2), seed: fc.integer() }).map((c) => {
    const side = Math.ceil(Math.sqrt(1000 / c.batch)) + c.k; // N*outH*outW >= 1000 at stride 1, no padding
    return {
      xShape: [c.batch, 1, side, side + 1] as const,
      weightShape: [c.cout, 1, c.k, c.k] as const,
      hasBias: true,
      options: {},
      seed: c.seed,
    };
  });
  return fc.oneof(longTapSum, longPositionSum);
}
