// gpu.js on a GL mode never returns a sum of part of its terms: a kernel whose threads would loop
// past MAX_SHADER_LOOP_ITERATIONS (llvmpipe stops such loops silently) is refused, saying what to do.
import { describe, expect, it } from 'vitest';
import { createBackend, isUnsupportedOption } from '../index.ts';
import { MAX_SHADER_LOOP_ITERATIONS } from '../gpujs/runtime.ts';
import { kernelBackends } from '../../properties/backends.ts';

const headlessgl = kernelBackends().find((b) => b.name === 'headlessgl')!;

describe.runIf(headlessgl.available || headlessgl.required)('gpu.js headlessgl: shader loop lengths', () => {
  const ones = (shape: number[]) => ({ shape, data: new Float32Array(shape[0] * shape[1]).fill(1) });

  it('a matmul whose inner dimension is at the cap runs and sums every term', async () => {
    const gl = createBackend('headlessgl');
    const k = MAX_SHADER_LOOP_ITERATIONS;
    expect(Array.from((await gl.matmul(ones([1, k]), ones([k, 1]))).data)).toEqual([k]); // every term is 1: a dropped one shows
    gl.dispose();
  });

  it('one past the cap is refused as an unsupported case, naming the operation and the fix', async () => {
    const gl = createBackend('headlessgl');
    const k = MAX_SHADER_LOOP_ITERATIONS + 1;
    const error = await gl.matmul(ones([1, k]), ones([k, 1])).catch((e: unknown) => e);
    expect(isUnsupportedOption(error)).toBe(true);
    expect((error as Error).message).toMatch(/matmul with 65536 loop iterations per thread: .* Fix: split the call/);
    gl.dispose();
  });
});
