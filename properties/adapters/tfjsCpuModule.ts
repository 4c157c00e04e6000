/**
 * TensorFlow.js's CPU backend as a module the harness's command takes:
 * `npm run harness -- check properties/adapters/tfjsCpuModule.ts --errors strict`.
 * It exports the backend factory and its expected differences from PyTorch (see tfjs.ts).
 */
import type { ExpectedDifference } from '../suite.ts';
import { createTfjsCpuBackend, TFJS_CPU_CASES, TFJS_CPU_DIFFERENCES } from './tfjsCpu.ts';

export const createBackend = createTfjsCpuBackend;

/** Each difference, narrowed to the cases it concerns where it can be: the property's other cases are still judged. */
export const expectedDifferences: readonly ExpectedDifference[] = Object.entries(TFJS_CPU_DIFFERENCES).map(([property, reason]) => ({ property, reason, when: TFJS_CPU_CASES[property] }));
