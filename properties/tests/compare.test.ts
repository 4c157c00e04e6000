// The one comparator: each check it makes fails on the input that breaks it, with a message that says which.
import { describe, expect, it } from 'vitest';
import { compareScalars, compareTensors } from '../compare.ts';

const t = (shape: number[], values: number[], type: 'f32' | 'f64' = 'f32') => ({ shape, data: type === 'f32' ? Float32Array.from(values) : Float64Array.from(values) });
const expected = t([2, 2], [1, 2, 3, 4], 'f64');

describe('compareTensors', () => {
  it('passes equal values, values within their bound, equal infinities, NaN against NaN, and -0 against 0', () => {
    expect(compareTensors('y', t([2, 2], [1, 2, 3, 4]), expected).ok).toBe(true);
    const near = compareTensors('y', t([2, 2], [1, 2, 3.5, 4]), expected, [0, 0, 0.5, 0]);
    expect([near.ok, near.ratio, near.index]).toEqual([true, 1, 2]);
    expect(compareTensors('y', t([3], [Infinity, NaN, -0]), t([3], [Infinity, NaN, 0], 'f64')).ok).toBe(true);
  });

  it('names each failed check: not a tensor, shape, length, dtype, NaN placement, value', () => {
    const cases: [unknown, string, RegExp][] = [
      [undefined, 'not a tensor', /^y: expected a tensor \{ shape, data \}; got undefined/],
      [t([4], [1, 2, 3, 4]), 'shape', /^y: shape \[4\], expected \[2, 2\]/],
      [t([2, 2], [1, 2, 3]), 'length', /^y: data has 3 elements, but its shape \[2, 2\] needs 4/],
      [t([2, 2], [1, 2, 3, 4], 'f64'), 'dtype', /^y: data is Float64Array, expected Float32Array/],
      [t([2, 2], [1, NaN, 3, 4]), 'NaN placement', /^y: NaN placement: element 1 \[0, 1\] of \[2, 2\] is NaN, expected 2 \(1 of 4 elements wrong\)/],
      [t([2, 2], [1, 2, 3, 5]), 'value', /^y: value: element 3 \[1, 1\] of \[2, 2\] is 5, expected 4 exactly \(1 of 4 elements wrong\)/],
    ];
    for (const [actual, kind, message] of cases) {
      const c = compareTensors('y', actual, expected);
      expect([c.ok, c.kind]).toEqual([false, kind]);
      expect(c.message).toMatch(message);
    }
  });

  it('reports the worst element as a ratio of its bound, and counts every element outside it', () => {
    const c = compareTensors('y', t([2, 2], [1.1, 2, 3.07, 4]), expected, 0.05);
    expect([c.ok, c.index, c.mismatches]).toEqual([false, 0, 2]);
    expect(c.ratio).toBeCloseTo(2, 5);
    expect(c.message).toMatch(/element 0 \[0, 0\] of \[2, 2\] is 1\.1.*, expected 1 within 0\.0500 \(2\.00x the bound\) \(2 of 4 elements wrong\)/);
  });

  it('meets an infinity exactly even under an infinite bound, and a finite value where one is expected', () => {
    expect(compareTensors('y', t([1], [3.4e38]), t([1], [Infinity], 'f64'), [Infinity]).ok).toBe(false);
    expect(compareTensors('y', t([1], [Infinity]), t([1], [1], 'f64'), [1e30]).ok).toBe(false);
  });

  it('accepts the flushed alternative element by element, and only within the same bound', () => {
    const want = t([2], [1e-40, 1], 'f64');
    const flushed = t([2], [0, 1], 'f64');
    expect(compareTensors('y', t([2], [0, 1]), want, 0, { orExpected: flushed }).ok).toBe(true);
    expect(compareTensors('y', t([2], [0, 1]), want, 0).ok).toBe(false);
    expect(compareTensors('y', t([2], [0, 2]), want, 0, { orExpected: flushed }).ok).toBe(false);
  });

  it('takes any data type when asked (laws also run on the float64 reference)', () => {
    expect(compareTensors('y', expected, expected, 0, { dtype: 'any' }).ok).toBe(true);
  });
});

describe('compareScalars', () => {
  it('holds a number to its bound and rejects what is not a number', () => {
    expect(compareScalars('loss', 1.0000001, 1, 1e-6).ok).toBe(true);
    expect(compareScalars('loss', 1.1, 1, 1e-6).message).toMatch(/^loss: value: element 0 \[0\] of \[1\] is 1\.1, expected 1 within/);
    expect(compareScalars('loss', '1', 1, 1e-6).kind).toBe('not a tensor');
  });
});
