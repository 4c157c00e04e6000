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

/**
 * What this machine cannot run, a line each (kernel backends and the browser suite), with why and
 * how to fix it; empty when everything starts. `npm test` prints it, so a skip is never silent.
 */
export function notRunHere(browserUnavailable: string | null): string[] {
  const backends = kernelBackends().filter((s) => !s.available && !s.required).map((s) => `  ${s.name}: ${s.reason ?? 'cannot start here'}`);
  const browser = browserUnavailable && !REQUIRED_BACKENDS.includes('browser') ? [`  browser (headless Chromium): ${browserUnavailable}`] : [];
  const lines = [...backends, ...browser];
  if (lines.length === 0) return [];
  return [
    `Skipped here, their tests shown as skipped (REQUIRE_BACKENDS=name,... turns a skip into a failure, as CI does):`,
    ...lines,
  ];
}
