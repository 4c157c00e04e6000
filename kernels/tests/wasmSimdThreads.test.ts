import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { WASM_SIMD_MODULE } from '../wasmSimd/index.ts';
import { WasmThreadPool } from '../wasmSimd/threads.ts';

// The pool on its own, over the plain build: jobs through the shared control block, with the
// default spinning and with none (every job then wakes a sleeping helper, and the caller waits
// through the event loop).
setFlagsFromString('--experimental-wasm-relaxed-simd');
const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true }); // 4 MiB
const module = new WebAssembly.Module(readFileSync(WASM_SIMD_MODULE));
const pools = { spinning: new WasmThreadPool(module, memory, 1), 'not spinning': new WasmThreadPool(module, memory, 1, { helperSpinMs: 0, callerSpinMs: 0 }) };
afterAll(() => Object.values(pools).forEach((p) => p.terminate()));

const f32 = (byteOffset: number, n: number) => new Float32Array(memory.buffer, byteOffset, n);
/** Above the module's own static data (which each instance writes when it starts); one region per pool. */
const base = (name: string) => (name === 'spinning' ? 1 << 20 : 2 << 20);

for (const [name, pool] of Object.entries(pools)) {
  describe(`wasm-simd helper threads, ${name}`, () => {
    it('runs jobs posted before the helper is up and back to back, each once, with its own arguments', async () => {
      const [dst, src, n] = [base(name), base(name) + 4 * 100, 100];
      f32(dst, n).fill(1);
      f32(src, n).set(Array.from({ length: n }, (_, i) => i));
      for (let round = 0; round < 50; round++) await pool.call(0, 'addInto', [dst, src, n]).wait();
      // A job run twice or skipped changes the sum.
      expect(Array.from(f32(dst, n))).toEqual(Array.from({ length: n }, (_, i) => 1 + 50 * i));
    });

    it('runs a job posted after the helper went to sleep', async () => {
      const [a, b, c] = [base(name), base(name) + 4 * 64, base(name) + 8 * 64];
      f32(a, 64).fill(0.5);
      f32(b, 64).fill(0.25);
      await new Promise((resolve) => setTimeout(resolve, 30)); // past any spin: the helper sleeps in Atomics.wait
      await pool.call(0, 'sgemm', [4, 8, 8, a, 8, b, 8, c, 8, 0]).wait();
      expect(Array.from(f32(c, 32))).toEqual(new Array(32).fill(0.5 * 0.25 * 8));
    });

    it("rejects with the kernel's own error, naming the helper and the kernel, and runs the next job", async () => {
      const beyond = memory.buffer.byteLength; // every access past the memory traps
      await expect(pool.call(0, 'addInto', [beyond, beyond, 4]).wait()).rejects.toThrow(/wasm-simd helper thread 0: addInto failed: .*memory access out of bounds/);
      f32(base(name), 4).set([1, 2, 3, 4]);
      await pool.call(0, 'addInto', [base(name), base(name), 4]).wait();
      expect(Array.from(f32(base(name), 4))).toEqual([2, 4, 6, 8]);
    });

    it('refuses an export the module does not have, before posting anything', () => {
      expect(() => pool.call(0, 'noSuchKernel', [])).toThrow(/no export 'noSuchKernel'/);
    });
  });
}
