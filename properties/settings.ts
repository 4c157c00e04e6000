/**
 * The suite's settings from the environment, so any failure can be replayed from the command line:
 *
 * - FC_SEED: fast-check seed (default the fixed CI seed; with FC_FUZZ a fresh one, printed)
 * - FC_PATH: replay path of a failure (with FC_PROPERTY and FC_SEED, as the failure message prints)
 * - FC_PROPERTY: comma-separated property ids to run
 * - FC_BACKENDS: comma-separated backends to run the suite on (default every available one)
 * - FC_NUM_RUNS: cases per property (default per backend, see `numRunsFor`)
 * - FC_FUZZ=1: fresh seed and ten times the cases (`npm run test:fuzz`)
 * - FC_RECORD=1: store new counterexamples under fixtures/regressions/ (off by default: recording is
 *   on purpose, as `npm run test:fuzz` does, so a local failing run never writes into the fixtures);
 *   FC_RECORD=DIR: store them in DIR (and replay those stored there), as a port using the installed package does
 */
import { resolve, sep } from 'node:path';
import { REGRESSIONS_DIR } from './regressions.ts';
import { DEFAULT_SEED } from './suite.ts';

const env = process.env;
const list = (value: string | undefined) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

export const FUZZ = env.FC_FUZZ === '1';
export const SEED = env.FC_SEED !== undefined ? Number(env.FC_SEED) : FUZZ ? Math.floor(Math.random() * 2 ** 31) : DEFAULT_SEED;
export const PATH = env.FC_PATH || undefined;
export const ONLY_PROPERTIES = list(env.FC_PROPERTY);
export const ONLY_BACKENDS = list(env.FC_BACKENDS);
export const RECORD = recordDir(env.FC_RECORD);

/** The folder FC_RECORD names (1: the harness's own fixtures, only from its own checkout), or false. */
function recordDir(value: string | undefined): string | false {
  if (!value || value === '0') return false;
  if (value !== '1') return resolve(value);
  if (REGRESSIONS_DIR.split(sep).includes('node_modules')) {
    throw new Error(`FC_RECORD=1 stores counterexamples in the harness's own fixtures, here inside an installed package (${REGRESSIONS_DIR}). Set FC_RECORD to a folder of your own instead, e.g. FC_RECORD=./found.`);
  }
  return REGRESSIONS_DIR;
}

/**
 * Cases per property for a backend of these traits: one that compiles each new shape (GL, WebGPU:
 * ~0.2 s a shape) gets fewer, the oracle more (it is fast and runs only laws and contracts); fuzzing
 * ten times more. FC_NUM_RUNS overrides.
 */
export function numRunsFor(traits: { readonly oracle?: boolean; readonly compilesPerShape?: boolean } = {}): number {
  if (env.FC_NUM_RUNS) return Number(env.FC_NUM_RUNS);
  const base = traits.compilesPerShape ? 10 : traits.oracle ? 40 : 20;
  return FUZZ ? base * 10 : base;
}
