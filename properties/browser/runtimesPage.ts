/**
 * The runtimes page's script (bundled by properties/browser/bundle.ts's buildRuntimesPage, served at
 * /runtimes): the conformance matrix on the runtimes that exist only in a browser (TensorFlow.js's
 * webgl and webgpu backends, ONNX Runtime Web's webgpu execution provider, and this project's gpu.js
 * webgl2, webgl and webgpu backends). properties/matrix/chromium.ts drives it in headless Chromium:
 *
 *   window.runtimes.names()                 the runtimes this page can make
 *   window.runtimes.run(name, options)      the suite (suiteRuns > 0) and every matrix cell on one,
 *                                           or { unavailable: why } when it cannot start here
 *   window.runtimes.replay(name, call)      a difference's failing call on a fresh backend and on the
 *                                           float32 reference, each judged as the suite judges it
 *
 * Results cross to Node as plain JSON (`encodeValue`d: NaN, ±Infinity and typed arrays survive;
 * a failing call stays as the suite encoded it). While it runs, the page reports each property's
 * start and result through `__runtimesProgress` when Node exposes it, so a runtime that hangs loses
 * only the cell it hung on.
 */
import * as ort from 'onnxruntime-web'; // the bundle aliases this to ONNX Runtime Web's webgpu build
import { implementedOperations, type OperationName, type PartialBackend } from '../../kernels/backend.ts';
import { createGpuJsBackend } from '../../kernels/gpujs/index.ts';
import * as onnxruntimeWebgpu from '../adapters/onnxruntimeWebgpuModule.ts';
import * as tfjsWebgl from '../adapters/tfjsWebglModule.ts';
import * as tfjsWebgpu from '../adapters/tfjsWebgpuModule.ts';
import { backendFromModule } from '../backendModule.ts';
import { assertUnchanged, EXPECTATIONS, judge } from '../judges.ts';
import { MATRIX_CELLS } from '../matrix/cells.ts';
import { createFloat32Reference } from '../operations/mutantKit.ts';
import { decodeValue, encodeValue, type EncodedValue, type FailingCall } from '../repro.ts';
import { runProperty, runPropertySuite, type ExpectedDifference, type PropertyResult } from '../suite.ts';

/** What a runtime needs of the browser before it is made: a WebGL context or a WebGPU adapter. */
type Needs = 'webgl' | 'webgl2' | 'webgpu';

interface PageRuntime {
  readonly needs: Needs;
  /** The backend module the repros import (createBackend, expectedDifferences), read as the harness's command reads one. */
  readonly module: Record<string, unknown>;
  /** What the page sets up before the module's backend is made. */
  readonly setup?: () => void;
}

/** ONNX Runtime Web fetches its .wasm and .mjs from here (server.ts serves its dist folder there). */
const ORT_FILES = '/ort/';

const gpujs = (mode: 'webgl2' | 'webgl' | 'webgpu') => ({ createBackend: () => createGpuJsBackend(mode) });

const RUNTIMES: Readonly<Record<string, PageRuntime>> = {
  'tfjs-webgl': { needs: 'webgl', module: tfjsWebgl },
  'tfjs-webgpu': { needs: 'webgpu', module: tfjsWebgpu },
  'onnxruntime-web-webgpu': {
    needs: 'webgpu',
    module: onnxruntimeWebgpu,
    setup: () => {
      ort.env.wasm.wasmPaths = new URL(ORT_FILES, location.href).href;
      ort.env.wasm.proxy = false;
    },
  },
  'browser-webgl2': { needs: 'webgl2', module: gpujs('webgl2') },
  'browser-webgl': { needs: 'webgl', module: gpujs('webgl') },
  'browser-webgpu': { needs: 'webgpu', module: gpujs('webgpu') },
};

export interface RuntimesRunOptions {
  readonly seed: number;
  /** Cases per cell. */
  readonly numRuns: number;
  /** Cases per property of the suite (0 skips it). */
  readonly suiteRuns: number;
  /** Only these cells (ids, `matrix:<op>:<column>`). Default every cell. */
  readonly cells?: readonly string[];
  /** The runtime's known differences (cell id → why: MatrixRuntime.explained), judged as properties/matrix/run.ts judges them. */
  readonly explained?: Readonly<Record<string, string>>;
}

/** A PropertyResult as it crosses to Node: `encodeValue`d, with the failing call as the suite encoded it. */
export type EncodedResult = { readonly encoded: EncodedValue; readonly failingCall?: FailingCall };

export type RuntimesRunResult =
  | { readonly unavailable: string }
  | {
      readonly backend: string;
      readonly variant?: string;
      /** The operations the backend implements (the suite report's operation table). */
      readonly implemented: readonly OperationName[];
      readonly startMs: number;
      readonly suite?: readonly EncodedResult[];
      readonly cells: readonly EncodedResult[];
    };

export interface ReplayResult {
  /** The call failed its judgement on the runtime (or the runtime threw). */
  readonly failsOnRuntime: boolean;
  /** The same call, on the float32 reference, passed its judgement. */
  readonly passesOnReference: boolean;
  /** What failed, on the runtime then on the reference, as the repro script prints it. */
  readonly messages: readonly string[];
}

/** What the page tells Node while it runs (`__runtimesProgress`, exposed by Playwright). */
export type ProgressEvent =
  | { readonly event: 'start'; readonly phase: 'suite' | 'cell'; readonly id: string }
  | { readonly event: 'result'; readonly phase: 'suite' | 'cell'; readonly id: string; readonly result: EncodedResult }
  | { readonly event: 'suite-done' }
  | { readonly event: 'started'; readonly backend: string; readonly implemented: readonly OperationName[]; readonly startMs: number };

function progress(e: ProgressEvent): void {
  const report = (globalThis as { __runtimesProgress?: (json: string) => unknown }).__runtimesProgress;
  // Not awaited: the page must not wait on Node.
  if (report) void Promise.resolve(report(JSON.stringify(e))).catch(() => undefined);
}

const encodeResult = (r: PropertyResult): EncodedResult => {
  const { failingCall, ...rest } = r;
  return { encoded: encodeValue(rest), ...(failingCall ? { failingCall } : {}) };
};

const messageOf = (error: unknown) => (error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error));

/** Why the browser cannot give `needs`, or null when it can. */
async function missing(needs: Needs): Promise<string | null> {
  if (needs === 'webgpu') {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(o?: object): Promise<unknown> } }).gpu;
    if (!gpu) return 'this browser has no navigator.gpu (WebGPU is off: Chromium needs --enable-unsafe-webgpu, and a secure context)';
    const adapter = await gpu.requestAdapter().catch((e: unknown) => { throw new Error(`navigator.gpu.requestAdapter() threw: ${messageOf(e)}`); });
    return adapter ? null : 'no WebGPU adapter (navigator.gpu.requestAdapter() returned null)';
  }
  const canvas = document.createElement('canvas');
  const gl = needs === 'webgl2' ? canvas.getContext('webgl2') : (canvas.getContext('webgl2') ?? canvas.getContext('webgl'));
  (gl as WebGLRenderingContext | null)?.getExtension('WEBGL_lose_context')?.loseContext();
  return gl ? null : `this browser gives no ${needs === 'webgl2' ? 'WebGL2' : 'WebGL'} context`;
}

const dispose = async (backend: PartialBackend | undefined) => {
  try {
    await (backend as { dispose?: () => unknown } | undefined)?.dispose?.();
  } catch {
    // A backend that fails to clean up has already answered; nothing to report.
  }
};

/**
 * The runtime made and proven able to run: its browser needs met, its factory resolved, and one small
 * conv2d (x 1×1×4×4, w 1×1×3×3) answered. Anything short of that is a reason it cannot start here
 * (a GPU context lost, an adapter missing, gpu.js falling back to another kernel class).
 */
async function start(name: string): Promise<{ backend: PartialBackend; expectedDifferences: readonly ExpectedDifference[] } | { unavailable: string }> {
  const runtime = RUNTIMES[name];
  if (!runtime) return { unavailable: `the runtimes page has no runtime named '${name}' (it has ${Object.keys(RUNTIMES).join(', ')})` };
  let made: { backend: PartialBackend; expectedDifferences: readonly ExpectedDifference[] } | undefined;
  try {
    const why = await missing(runtime.needs);
    if (why) return { unavailable: why };
    runtime.setup?.();
    made = await backendFromModule(runtime.module, name);
    const conv2d = made.backend.conv2d;
    if (conv2d) {
      const x = { shape: [1, 1, 4, 4], data: Float32Array.from({ length: 16 }, (_, i) => i / 16) };
      const w = { shape: [1, 1, 3, 3], data: Float32Array.from({ length: 9 }, (_, i) => (i - 4) / 9) };
      await conv2d.call(made.backend, x, w, null, {});
    }
    return made;
  } catch (error) {
    await dispose(made?.backend);
    const prefix = made ? 'it started, but its first conv2d (x 1×1×4×4, w 1×1×3×3) failed: ' : '';
    return { unavailable: `${prefix}${messageOf(error).split('\n')[0]}` };
  }
}

/** The suite and the matrix's cells on runtime `name`, or why it cannot start here. Never throws for what the runtime does. */
async function run(name: string, options: RuntimesRunOptions): Promise<RuntimesRunResult> {
  const t0 = performance.now();
  const made = await start(name);
  if ('unavailable' in made) return made;
  const { backend, expectedDifferences } = made;
  const startMs = performance.now() - t0;
  progress({ event: 'started', backend: backend.name, implemented: implementedOperations(backend), startMs });
  try {
    let suite: EncodedResult[] | undefined;
    if (options.suiteRuns > 0) {
      suite = [];
      const results = await runPropertySuite(backend, {
        seed: options.seed, numRuns: options.suiteRuns, expectedDifferences,
        onResult: (r) => progress({ event: 'result', phase: 'suite', id: r.id, result: encodeResult(r) }),
      });
      suite = results.map(encodeResult);
      progress({ event: 'suite-done' });
    }
    const explained = Object.entries(options.explained ?? {}).map(([property, reason]): ExpectedDifference => ({ property, reason }));
    const cells: EncodedResult[] = [];
    for (const cell of MATRIX_CELLS) {
      if (options.cells && !options.cells.includes(cell.property.id)) continue;
      progress({ event: 'start', phase: 'cell', id: cell.property.id });
      const r = encodeResult(await runProperty(backend, cell.property, { seed: options.seed, numRuns: options.numRuns, expectedDifferences: explained }));
      progress({ event: 'result', phase: 'cell', id: cell.property.id, result: r });
      cells.push(r);
    }
    return { backend: backend.name, ...(backend.variant ? { variant: backend.variant } : {}), implemented: implementedOperations(backend), startMs, ...(suite ? { suite } : {}), cells };
  } finally {
    await dispose(backend);
  }
}

/** `call` on `backend`, judged as the repro script judges it: the failures' messages (none: it conforms). */
async function judged(backend: PartialBackend, call: FailingCall): Promise<string[]> {
  const args = decodeValue(call.args) as unknown[];
  const op = call.op as OperationName;
  const method = (backend as unknown as Record<string, ((...a: unknown[]) => Promise<unknown>) | undefined>)[op];
  if (typeof method !== 'function') return [`${backend.name} has no ${op}`];
  const before = structuredClone(args);
  const expectations = EXPECTATIONS[op](structuredClone(args));
  let result: unknown;
  try {
    result = await method.apply(backend, args);
  } catch (error) {
    return [`${op} threw: ${messageOf(error)}`];
  }
  const failures = judge(expectations, result).filter((c) => !c.ok).map((c) => c.message);
  try {
    assertUnchanged(op, args, before);
  } catch (error) {
    failures.unshift((error as Error).message);
  }
  return failures;
}

/**
 * A difference's failing call, replayed as its repro script would run it: on a fresh backend of
 * runtime `name` (it must fail) and on the float32 reference (it must pass).
 */
async function replay(name: string, call: FailingCall): Promise<ReplayResult> {
  const made = await start(name);
  const onRuntime = 'unavailable' in made ? [`${name} cannot start: ${made.unavailable}`] : await judged(made.backend, call).finally(() => dispose(made.backend));
  const onReference = await judged(createFloat32Reference(), call);
  return {
    failsOnRuntime: !('unavailable' in made) && onRuntime.length > 0,
    passesOnReference: onReference.length === 0,
    messages: [
      ...onRuntime.map((m) => `${name}: ${m}`),
      `${name}: ${onRuntime.length ? `${call.op} still differs from the reference` : `${call.op} now equals the reference within its error model`}`,
      ...onReference.map((m) => `reference-float32: ${m}`),
    ],
  };
}

export interface RuntimesApi {
  names(): string[];
  run(name: string, options: RuntimesRunOptions): Promise<RuntimesRunResult>;
  replay(name: string, call: FailingCall): Promise<ReplayResult>;
}

(globalThis as { runtimes?: RuntimesApi }).runtimes = { names: () => Object.keys(RUNTIMES), run, replay };
