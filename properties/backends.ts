/**
 * Which backends the suites run on. Every backend that can start here runs; REQUIRE_BACKENDS
 * (comma-separated, as CI sets it) turns a backend that cannot start into a failure instead of a skip.
 */
import { availableBackends, type BackendName, type BackendTraits } from '../kernels/index.ts';

export const REQUIRED_BACKENDS: readonly string[] = (process.env.REQUIRE_BACKENDS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

export interface BackendStatus extends BackendTraits {
  readonly name: BackendName;
  readonly available: boolean;
  readonly reason?: string;
  readonly required: boolean;
}

/** The kernel backends (not the reference, the oracle), each with whether it runs here and whether CI requires it. */
export function kernelBackends(): BackendStatus[] {
  return availableBackends()
    .filter((b) => !b.oracle)
    .map((b) => ({ ...b, required: REQUIRED_BACKENDS.includes(b.name) }));
}
