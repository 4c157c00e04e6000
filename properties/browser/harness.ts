/**
 * What a page exposes as `window.harness`: the property suite and the benchmark on gpu.js's browser
 * backends (webgl2, webgl, webgpu). Driven by properties/tests/browser.test.ts and bench/run.ts
 * --browser through Playwright, or by a person on the page `npm run serve` opens.
 */
import { withoutResidency } from '../../kernels/backend.ts';
import { createGpuJsBackend } from '../../kernels/gpujs/index.ts';
import { EXPECTED_KERNEL_CLASS, type GpuJsMode } from '../../kernels/gpujs/runtime.ts';
import { benchCases } from '../../bench/cases.ts';
import type { BenchResult } from '../../bench/report.ts';
import { timeCase } from '../../bench/timing.ts';
import { residentView } from '../adapters/resident.ts';
import { createMutantBackend } from '../mutants.ts';
import { runPropertySuite, type PropertyResult } from '../suite.ts';

export type BrowserMode = Extract<GpuJsMode, 'webgl' | 'webgl2' | 'webgpu'>;

export interface BrowserSuiteReport {
  readonly mode: BrowserMode;
  readonly results: PropertyResult[];
  /** gpu.js kernel classes that actually ran, and the one this mode must produce. */
  readonly executedClasses: string[];
  readonly expectedClass: string;
  /** The backend's own limits, read from the page's context (never assumed). */
  readonly limits: Record<string, number | string>;
  readonly userAgent: string;
}

/** WebGL limits as this browser reports them (the texture size is 8192 on SwiftShader, not 16384). */
async function limitsOf(mode: BrowserMode): Promise<Record<string, number | string>> {
  if (mode === 'webgpu') {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ limits: Record<string, number> } | null> } }).gpu;
    const adapter = await gpu?.requestAdapter();
    if (!adapter) return { adapter: 'none' };
    return { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension };
  }
  const gl = document.createElement('canvas').getContext(mode) as WebGLRenderingContext | null;
  if (!gl) return { context: 'none' };
  return { maxTextureSize: gl.getParameter(gl.MAX_TEXTURE_SIZE) as number, renderer: String(gl.getParameter(gl.RENDERER)) };
}

/** `resident`: every input uploaded and every result kept on the device (GL textures), as properties/adapters/resident.ts runs it. */
export async function conformance(
  mode: BrowserMode, options: { seed: number; numRuns: number; only?: string[]; regressions?: Record<string, unknown[]>; resident?: boolean },
): Promise<BrowserSuiteReport> {
  const backend = createGpuJsBackend(mode);
  try {
    const results = await runPropertySuite(options.resident ? residentView(backend) : backend, {
      seed: options.seed, numRuns: options.numRuns, only: options.only, regressionCases: (id) => options.regressions?.[id] ?? [],
    });
    return { mode, results, executedClasses: [...backend.executedKernelClasses()], expectedClass: EXPECTED_KERNEL_CLASS[mode], limits: await limitsOf(mode), userAgent: navigator.userAgent };
  } finally {
    backend.dispose();
  }
}

/** A bench figure measured in the page (the Node side adds the speedup and the share of its limit). */
export type BrowserBenchFigure = Omit<BenchResult, 'speedupOverReference' | 'shareOfLimit'>;

/** The bench's cases (checked against the reference first, then timed) on one browser backend. */
export async function bench(mode: BrowserMode, options: { quick: boolean; timeMs: number; shapes?: string[] }): Promise<{ figures: BrowserBenchFigure[]; executedClasses: string[] }> {
  const backend = createGpuJsBackend(mode);
  try {
    const figures: BrowserBenchFigure[] = [];
    // Timed with every tensor copied: resident calls repeated on LeNet-sized textures stalled or
    // crashed SwiftShader's page (not investigated yet); the resident property suite passes there.
    const copying = withoutResidency(backend);
    for (const c of benchCases().filter((b) => (!options.quick || b.quick) && (!options.shapes || options.shapes.includes(b.shape)) && (!b.appliesTo || b.appliesTo(copying)))) {
      figures.push(await timeCase(copying, c, options.timeMs));
    }
    return { figures, executedClasses: [...backend.executedKernelClasses()] };
  } finally {
    backend.dispose();
  }
}

/** The suite on a deliberately broken backend, in the page: proves failures travel back to the test run. */
export async function mutant(name: string, options: { seed: number; numRuns: number }): Promise<PropertyResult[]> {
  return runPropertySuite(createMutantBackend(name), options);
}

(globalThis as { harness?: unknown }).harness = { conformance, bench, mutant };
