/**
 * Predicates the browser runtimes' expected differences share: WGSL lets an implementation assume
 * no NaN and flush subnormals (SwiftShader's WebGPU does both here), so the WebGPU runtimes' shaders
 * differ from PyTorch exactly where a case's input holds a NaN, or a subnormal.
 */
import { rowsInputs, type RowsCase } from '../arbitraries/rowsCase.ts';

/** The rows case's input x holds a NaN. */
export const rowsInputHasNaN = (c: RowsCase): boolean => rowsInputs(c).x.data.some(Number.isNaN);

/** The rows case's input x holds a NaN or an infinity (softmax of a row with +Infinity is NaN: Infinity - Infinity). */
export const rowsInputNonFinite = (c: RowsCase): boolean => rowsInputs(c).x.data.some((v) => !Number.isFinite(v));

/** The rows case's input x is drawn 'tiny' (subnormals and the smallest normals). */
export const rowsInputIsTiny = (c: RowsCase): boolean => c.x?.values === 'tiny';
