// The registry of operation families (properties/operations/) is complete and consistent: every
// operation of the interface has exactly one record, every operation is judged by a conformance
// property of its own family, and every family's properties and mutants reach the suite.
import { describe, expect, it } from 'vitest';
import { OPERATION_NAMES } from '../../kernels/backend.ts';
import { ALL_PROPERTIES } from '../all.ts';
import { MUTANTS } from '../mutants.ts';
import { FAMILIES, familyOf } from '../operations/index.ts';
import { operationTable } from '../reports.ts';
import type { PropertyResult } from '../suite.ts';

describe('the operation registry', () => {
  it('every operation of the interface is in exactly one family, in the interface\'s order', () => {
    for (const op of OPERATION_NAMES) expect(FAMILIES.filter((f) => f.operations[op]).map((f) => f.name), op).toHaveLength(1);
    expect(FAMILIES.flatMap((f) => Object.keys(f.operations))).toEqual([...OPERATION_NAMES]);
  });

  it('every operation is judged by a conformance property of its own family', () => {
    for (const op of OPERATION_NAMES) {
      expect(familyOf(op).conformance.filter((p) => p.uses.includes(op)).map((p) => p.id), op).not.toEqual([]);
    }
  });

  it('every family\'s laws, conformance properties and mutants are the suite\'s', () => {
    const ids = ALL_PROPERTIES.map((p) => p.id);
    for (const f of FAMILIES) for (const p of [...f.laws, ...f.conformance]) expect(ids, `${f.name}: ${p.id}`).toContain(p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(MUTANTS).toEqual(FAMILIES.flatMap((f) => f.mutants));
  });

  it('the per-operation table blames a failure on its failing call\'s operation only (the NaN property judges conv and pools)', () => {
    const result = (id: string, status: 'passed' | 'failed', op?: string) =>
      ({ id, status, passed: status === 'passed', ...(op ? { failingCall: { op, args: [] } } : {}) }) as unknown as PropertyResult;
    const table = operationTable(['conv2d', 'maxPool2d'], [
      result('conv2d-forward-equals-reference', 'failed', 'conv2d'),
      result('maxpool2d-equals-reference', 'passed'),
      result('nan-propagates-like-reference', 'failed', 'conv2d'),
    ]);
    const status = Object.fromEntries(table.map((o) => [o.op, o.status]));
    expect(status).toMatchObject({ conv2d: 'failed', maxPool2d: 'passed', avgPool2d: 'not implemented' });
    // Without a failing call (the backend threw), every operation the property judges is suspect.
    expect(Object.fromEntries(operationTable(['maxPool2d'], [result('nan-propagates-like-reference', 'failed')]).map((o) => [o.op, o.status])).maxPool2d).toBe('failed');
    // An expected difference too: ONNX Runtime's max pool drops NaN; its conv2d and avgPool2d, judged by the same property, do not.
    const expected = { ...result('nan-propagates-like-reference', 'passed', 'maxPool2d'), status: 'expected difference' } as PropertyResult;
    const ort = Object.fromEntries(operationTable(['conv2d', 'maxPool2d', 'avgPool2d'], [expected]).map((o) => [o.op, o.status]));
    expect(ort).toMatchObject({ maxPool2d: 'expected difference', conv2d: 'passed', avgPool2d: 'passed' });
  });
});
