/**
 * The reference computed in float32 (each operation's float64 result rounded once per output), as a
 * backend module: a correct float32 implementation, which every repro of the conformance matrix
 * must pass before the matrix reports the difference it shows (properties/matrix/run.ts).
 */
import { createFloat32Reference } from '../operations/mutantKit.ts';

export const createBackend = () => createFloat32Reference();
