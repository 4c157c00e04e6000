/**
 * TensorFlow.js's CPU backend as a module the harness's command takes:
 * `npm run harness -- check properties/adapters/tfjsCpuModule.ts --errors strict`.
 * It exports the backend factory and its expected differences from PyTorch (see tfjsCpu.ts).
 */
import type { ExpectedDifference } from '../suite.ts';
import { createTfjsCpuBackend, TFJS_CPU_DIFFERENCES } from './tfjsCpu.ts';

export const createBackend = createTfjsCpuBackend;

export const expectedDifferences: readonly ExpectedDifference[] = Object.entries(TFJS_CPU_DIFFERENCES).map(([property, reason]) => ({ property, reason }));
