/**
 * Every property of the suite, in the order it runs: the contracts over every operation, the laws
 * that span families (output shapes), each family's laws, each family's conformance, then NaN
 * propagation across conv and pools, and NaN times zero in conv. The families come from the registry (properties/operations/).
 */
import { rejectsBadInputLikeReference } from './contracts/badInput.ts';
import { deterministic } from './contracts/determinism.ts';
import { inputsUnchanged } from './contracts/inputsUnchanged.ts';
import { nanPropagates } from './conformance/nan.ts';
import { nanTimesZero } from './conformance/nanTimesZero.ts';
import { outputShapeFormula } from './laws/shapes.ts';
import { FAMILIES } from './operations/index.ts';
import type { BackendProperty } from './property.ts';

export const ALL_PROPERTIES: readonly BackendProperty<any>[] = [
  rejectsBadInputLikeReference,
  deterministic,
  inputsUnchanged,
  outputShapeFormula,
  ...FAMILIES.flatMap((f) => f.laws),
  ...FAMILIES.flatMap((f) => f.conformance),
  nanPropagates,
  nanTimesZero,
];
