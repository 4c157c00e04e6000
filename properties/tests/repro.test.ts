// The values a repro carries: what the script decodes is, bit for bit, what the suite called the
// backend with (NaN, ±Infinity, -0, subnormals, every float32), and a LeNet-sized call stays small
// enough to paste into an issue tracker (GitHub's limit for an issue body is 65,536 characters).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE64_FROM, decodeValue, encodeValue } from '../repro.ts';

const bits = (a: Float32Array | Float64Array | Int32Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('repro values', () => {
  it('every float32, short or long array, decodes to the same bits (through JSON)', () => {
    fc.assert(
      // Both encodings: lists (short arrays) and base64 (from BASE64_FROM elements on).
      fc.property(fc.oneof(fc.array(fc.float(), { maxLength: 8 }), fc.array(fc.float(), { minLength: BASE64_FROM, maxLength: 2 * BASE64_FROM })), (values) => {
        const a = Float32Array.from(values);
        const back = decodeValue(JSON.parse(JSON.stringify(encodeValue({ shape: [a.length], data: a })))) as { data: Float32Array };
        expect(back.data).toBeInstanceOf(Float32Array);
        expect(bits(back.data)).toEqual(bits(a));
      }),
      { numRuns: 300 },
    );
  });

  it('short float32 arrays stay readable: the shortest decimal of each value, specials spelled out', () => {
    const a = Float32Array.of(0.1, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, 16777217);
    expect(encodeValue(a)).toEqual({ $typed: 'Float32Array', values: [0.1, '-0', 'NaN', 'Infinity', '-Infinity', 1e-45, 3.4028235e38, 16777216] });
  });

  it('float64 and int32 arrays keep their type and bits', () => {
    const f = Float64Array.from({ length: BASE64_FROM + 3 }, (_, i) => Math.PI * i * (i % 2 ? -1 : 1) + 2 ** -1074);
    const n = Int32Array.from({ length: BASE64_FROM + 1 }, (_, i) => (i * 2654435761) | 0);
    const [f2, n2] = decodeValue(JSON.parse(JSON.stringify(encodeValue([f, n])))) as [Float64Array, Int32Array];
    expect(f2).toBeInstanceOf(Float64Array);
    expect(n2).toBeInstanceOf(Int32Array);
    expect(bits(f2)).toEqual(bits(f));
    expect(bits(n2)).toEqual(bits(n));
  });

  it('a LeNet conv2 call (x 4x6x14x14, w 16x6x5x5, bias) encodes to under 65,536 characters', () => {
    const filled = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i) * 0.37));
    const call = [{ shape: [4, 6, 14, 14], data: filled(4 * 6 * 14 * 14) }, { shape: [16, 6, 5, 5], data: filled(2400) }, { shape: [16], data: filled(16) }, { padding: 0 }];
    expect(JSON.stringify(encodeValue(call)).length).toBeLessThan(65_536);
  });
});
