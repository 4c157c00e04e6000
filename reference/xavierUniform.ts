import { OperatorInputError } from './errors.ts';
import type { SeededRandom } from './random.ts';
import { formatShape, sizeOf, type Tensor } from './tensor.ts';

/**
 * Xavier/Glorot uniform initialisation, as PyTorch's `nn.init.xavier_uniform_`: values uniform in
 * `[-bound, bound)` with `bound = gain * sqrt(6 / (fanIn + fanOut))`, where for a weight
 * `[out, in, ...receptive]` `fanIn = in * prod(receptive)` and `fanOut = out * prod(receptive)`.
 *
 * @param shape - weight shape, at least 2-D (`[out, in]` or `[Cout, Cin, kh, kw]`)
 * @param random - the seeded source to draw from
 * @param gain - scale factor. Default `1`.
 */
export function xavierUniform(shape: readonly number[], random: SeededRandom, gain = 1): Tensor {
  if (shape.length < 2 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new OperatorInputError(
      'xavierUniform',
      `shape must have at least 2 positive dimensions [out, in, ...]; got ${formatShape(shape)}.`,
    );
  }
  const receptive = sizeOf(shape.slice(2));
  const bound = gain * Math.sqrt(6 / (shape[1] * receptive + shape[0] * receptive));
  const data = new Float64Array(sizeOf(shape));
  for (let k = 0; k < data.length; k++) data[k] = random.uniformIn(-bound, bound);
  return { shape: [...shape], data };
}
