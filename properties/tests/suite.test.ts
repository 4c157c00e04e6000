// The property suite on every backend that runs here: the reference (laws and contracts) and each
// gpu.js backend (everything, kernel-equals-reference included). Backends named in REQUIRE_BACKENDS
// must run: CI sets cpu,webasm,headlessgl, so a missing GL build fails instead of being skipped.
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend, type GpuJsBackend } from '../../kernels/index.ts';
import { EXPECTED_KERNEL_CLASS, RESIDENT_MODES, type GpuJsMode } from '../../kernels/gpujs/runtime.ts';
import { residentView } from '../adapters/resident.ts';
import { createReferenceBackend } from '../../kernels/referenceBackend.ts';
import { kernelBackends } from '../backends.ts';
import { numRunsFor, ONLY_BACKENDS } from '../settings.ts';
import { BACKEND_TRAITS } from '../../kernels/index.ts';
import { describePropertySuite } from '../vitestSuite.ts';

const selected = (name: string) => ONLY_BACKENDS === undefined || ONLY_BACKENDS.includes(name);

// The reference is the oracle: only its laws and contracts mean anything (its conformance would compare it with itself).
if (selected('reference')) describePropertySuite('reference', createReferenceBackend, { kinds: ['law', 'contract'], numRuns: numRunsFor(BACKEND_TRAITS.reference) });

for (const status of kernelBackends().filter((s) => selected(s.name))) {
  describe.runIf(status.available || status.required)(`${status.name}`, () => {
    it('starts here', () => {
      expect(status.available, status.reason).toBe(true);
    });
    if (!status.available) return;
    let backend: GpuJsBackend | undefined;
    describePropertySuite(status.name, () => (backend = createBackend(status.name) as GpuJsBackend), { numRuns: numRunsFor(status) });
    if (!(status.name in EXPECTED_KERNEL_CLASS)) return; // not a gpu.js backend
    // Where results can stay on the device (GL textures, WebGPU buffers), the suite again on resident tensors.
    let residentBackend: GpuJsBackend | undefined;
    if (RESIDENT_MODES.includes(status.name as GpuJsMode)) {
      describePropertySuite(`${status.name}, resident`, () => residentView((residentBackend = createBackend(status.name) as GpuJsBackend)), { numRuns: numRunsFor(status) });
    }
    afterAll(() => {
      // No silent fallback: every compiled kernel ran on the gpu.js backend asked for.
      const expected = [EXPECTED_KERNEL_CLASS[status.name as keyof typeof EXPECTED_KERNEL_CLASS]];
      expect([...(backend?.executedKernelClasses() ?? [])]).toEqual(expected);
      if (residentBackend) expect([...residentBackend.executedKernelClasses()]).toEqual(expected);
    });
  });
}
