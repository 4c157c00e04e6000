/**
 * TensorFlow.js's WebAssembly backend (`@tensorflow/tfjs-backend-wasm`, one thread) as a module the
 * harness's command takes: `npm run harness -- check properties/adapters/tfjsWasmModule.ts --errors strict`.
 * It exports the backend factory (async: the wasm module is compiled and initialised before it
 * returns) and its expected differences from PyTorch (see tfjs.ts).
 */
import type { ExpectedDifference } from '../suite.ts';
import { createTfjsBackend, tfjsExpectedDifferences } from './tfjs.ts';

export const createBackend = () => createTfjsBackend({ backend: 'wasm', threads: 1 });

/** Each difference, narrowed to the cases it concerns where it can be: the property's other cases are still judged. */
export const expectedDifferences: readonly ExpectedDifference[] = tfjsExpectedDifferences('wasm');
