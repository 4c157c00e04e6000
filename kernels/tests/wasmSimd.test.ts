// wasm-simd specifics the shared property suite does not reach: the single-thread path, and the
// memory limit, resident tensors. (Everything else about it is judged by properties/tests/suite.test.ts.)
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWasmSimdBackend, staleBuildReason } from '../wasmSimd/index.ts';
import { describePropertySuite } from '../../properties/vitestSuite.ts';
import { runPropertySuite } from '../../properties/suite.ts';
import { residentView } from '../../properties/adapters/resident.ts';
import { float32Tensor } from '../../properties/tensors.ts';
import { avgPool2d, avgPool2dBackward, isResident, maxPool2d, maxPool2dBackward, resolveConv2d, sgd, type Conv2dOptions, type ResidentTensor, type Tensor } from '../../reference/index.ts';
import { EXPECTATIONS, expectConforms, judge } from '../../properties/judges.ts';

// Both builds pass the whole suite: the default one (FMA where relaxed SIMD compiles: properties/tests/suite.test.ts) and this one.
describePropertySuite('wasm-simd, plain build (no FMA)', () => createWasmSimdBackend({ build: 'plain' }));

describe('wasm-simd builds', () => {
  it('the FMA build really fuses: c + a·b rounded once (1 - 2^-46 survives where a product then a sum gives 0)', async () => {
    // A·B with A = [[-1, 1 + 2^-23]] and B's rows all ones, then all 1 - 2^-23: -1 + (1 + 2^-23)(1 - 2^-23) = -2^-46 exactly.
    const a = { shape: [1, 2], data: Float32Array.of(-1, 1 + 2 ** -23) };
    const b = { shape: [2, 8], data: Float32Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 1 - 2 ** -23)) };
    const fma = createWasmSimdBackend({ build: 'fma' });
    const plain = createWasmSimdBackend({ build: 'plain' });
    expect(fma.variant).toMatch(/^fma build/);
    expect(plain.variant).toMatch(/^plain build/);
    const auto = createWasmSimdBackend({ build: 'auto' });
    expect(auto.variant).toMatch(/^fma build/); // relaxed SIMD compiles on Node 20 here (behind the V8 flag the backend sets)
    auto.dispose();
    expect(Array.from((await fma.matmul(a, b)).data)).toEqual(new Array(8).fill(-(2 ** -46)));
    expect(Array.from((await plain.matmul(a, b)).data)).toEqual(new Array(8).fill(0));
    fma.dispose();
    plain.dispose();
  });
});

describePropertySuite('wasm-simd, 1 thread', () => createWasmSimdBackend({ threads: 1 }), {
  only: ['conv2d-forward-equals-reference', 'conv2d-backward-equals-reference', 'contract-deterministic'],
});

// Both conv2d forward paths, each forced on every conv case, and their bits.
const convForwardProperties = [
  'conv2d-forward-equals-reference', 'law-conv1x1-equals-matmul', 'law-convolution-is-flipped-cross-correlation', 'law-translation-equivariance',
  'law-impulse-reproduces-flipped-kernel', 'nan-propagates-like-reference',
];
describePropertySuite('wasm-simd, direct conv forward', () => createWasmSimdBackend({ convForward: 'direct' }), { only: convForwardProperties });
describePropertySuite('wasm-simd, im2col conv forward', () => createWasmSimdBackend({ convForward: 'im2col' }), { only: convForwardProperties });

// Both conv2d backward paths, each judged on every backward case: 'im2col' forces the column matrix
// for dw and dx (col2im), where 'auto' reads the image for dw and adds Wᵀ · dy straight into dx.
describePropertySuite('wasm-simd, im2col conv backward', () => createWasmSimdBackend({ convBackward: 'im2col' }), {
  only: ['conv2d-backward-equals-reference', 'contract-deterministic', 'nan-propagates-like-reference'],
});

describe('wasm-simd conv2d backward paths', () => {
  it('dx added straight into the image (4 taps x 8 columns, the rows\' last 1-7 columns packed) equals the reference within the error model: every tail width, taps not a multiple of 4, groups, dilation, strides along H', async () => {
    const backend = createWasmSimdBackend({ threads: 2 });
    // outW 8 + rem for rem 0..7 (packed pitches 1, 2, 4, 4, 8, 8, 8), outW under 8 (packed only), LeNet conv2.
    const cases: [number[], number[], Conv2dOptions][] = [
      [[4, 6, 14, 14], [16, 6, 5, 5], {}],
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((rem): [number[], number[], Conv2dOptions] => [[2, 3, 7, 10 + rem], [5, 3, 3, 3], {}]),
      [[3, 2, 5, 5], [3, 2, 3, 3], {}], // rows of 3: nothing but packed blocks, 18 taps (a short last block of 2)
      [[2, 4, 11, 13], [6, 2, 3, 2], { groups: 2, dilation: [2, 1] }],
      [[2, 2, 13, 12], [4, 2, 3, 3], { stride: [2, 1], dilation: [1, 2] }],
      [[2, 1, 6, 9], [2, 1, 1, 1], {}], // one tap
    ];
    for (const [xShape, wShape, options] of cases) {
      const x = float32Tensor(xShape, 4, 'cancelling');
      const w = float32Tensor(wShape, 5, 'cancelling');
      const y = await backend.conv2d(x, w, null, options);
      const dy = float32Tensor(y.shape, 6, 'cancelling');
      await expect(expectConforms(backend, 'conv2dBackward', [dy, x, w, options]), `x=${JSON.stringify(xShape)} w=${JSON.stringify(wShape)} ${JSON.stringify(options)}`).resolves.toBeDefined();
    }
    backend.dispose();
  });

  it('dw read through tap and window tables (channel blocks of 8) gives the bits of im2col then the GEMM: LeNet conv2, and padded, strided, dilated, grouped ones', async () => {
    const tables = createWasmSimdBackend({ threads: 2 });
    const im2col = createWasmSimdBackend({ threads: 2, convBackward: 'im2col' });
    for (const [xShape, wShape, options] of [
      [[32, 6, 14, 14], [16, 6, 5, 5], {}], // 8 images per GEMM, 150 taps (a short last block of 2)
      [[3, 4, 9, 11], [16, 2, 3, 2], { padding: [1, 2], stride: [2, 3], dilation: [2, 1], groups: 2 }], // 8 channels a group, padded copies
      [[2, 3, 9, 9], [8, 3, 1, 1], { stride: 4, padding: 1 }], // the stride larger than the kernel: padded copies (3 x 9 x 9) larger than im2col's columns (3 x 9)
      [[32, 2, 7, 7], [24, 2, 3, 3], { padding: 1 }], // three blocks of 8 channels; padded copies of 4 images side by side
    ] as const) {
      const x = float32Tensor(xShape, 4, 'cancelling');
      const w = float32Tensor(wShape, 5, 'cancelling');
      const y = await tables.conv2d(x, w, null, options);
      const dy = float32Tensor(y.shape, 6, 'cancelling');
      const a = await tables.conv2dBackward(dy, x, w, options);
      const b = await im2col.conv2dBackward(dy, x, w, options);
      const where = `x=${JSON.stringify(xShape)} w=${JSON.stringify(wShape)}`;
      expect(Buffer.from(a.dw.data.buffer).equals(Buffer.from(b.dw.data.buffer)), `dw, ${where}`).toBe(true);
      const noDx = await tables.conv2dBackward(dy, x, w, { ...options, inputGradient: false });
      expect(Buffer.from(noDx.dw.data.buffer).equals(Buffer.from(b.dw.data.buffer)), `dw without dx, ${where}`).toBe(true);
    }
    tables.dispose();
    im2col.dispose();
  });
});

describe('wasm-simd conv2d forward paths', () => {
  it('direct and im2col give the same bits (the same sums in the same order), LeNet shapes and a padded dilated grouped one', async () => {
    const direct = createWasmSimdBackend({ convForward: 'direct' });
    const im2col = createWasmSimdBackend({ convForward: 'im2col' });
    for (const [xShape, wShape, options] of [
      [[32, 1, 28, 28], [6, 1, 5, 5], { padding: 2 }],
      [[32, 6, 14, 14], [16, 6, 5, 5], {}],
      [[5, 4, 9, 11], [10, 2, 3, 2], { padding: [1, 2], stride: [2, 1], dilation: [1, 2], groups: 2 }],
      [[3, 3, 7, 13], [5, 3, 1, 1], {}],
      // Row tails past the 8-wide blocks, computed four rows a block (tails of 1-2), two (3-4), then
      // the rows left: outW 10 (tail 2), 9 (1), 12 (4); outH 7 at stride 2 (4 + 2 + 1), 9 (4 + 4 + 1), 7 (2 + 2 + 2 + 1);
      // 7, 5 and 6 channels (blocks of 4 then 3, 1 and 2 channels; 2 take two rows at a time, here an odd number).
      [[2, 5, 15, 12], [7, 5, 3, 3], { stride: [2, 1] }],
      [[3, 2, 11, 11], [5, 2, 3, 3], {}],
      [[2, 3, 9, 14], [6, 3, 3, 3], {}],
      // A tail of 3 (outW 11); rows of 4 and 2 (no 8-wide block at all) with outH 2 and 3 (2 + 1, no 4-row block).
      [[2, 2, 6, 13], [5, 2, 3, 3], {}],
      [[2, 2, 4, 6], [6, 2, 3, 3], {}],
      [[1, 2, 5, 4], [3, 2, 3, 3], {}],
    ] as const) {
      const x = float32Tensor(xShape, 1, 'cancelling');
      const w = float32Tensor(wShape, 2, 'cancelling');
      const b = float32Tensor([wShape[0]], 3);
      const a = await direct.conv2d(x, w, b, options);
      const c = await im2col.conv2d(x, w, b, options);
      expect(Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer)), `x=${JSON.stringify(xShape)} w=${JSON.stringify(wShape)}`).toBe(true);
    }
    direct.dispose();
    im2col.dispose();
  });
});

describe('wasm-simd conv2d weight gradient read straight from the image (unit stride, rows of 16 or more, through the tap table)', () => {
  // Every row tail (outW 28, 17, 19, 22, 16, 16, 18: outW % 4 = 0, 1, 3, 2, 0, 0, 2), every last block of taps (25, 30,
  // 24, 18, 9, 15, 18 taps: 1, 2, 4, 2, 1, 3, 2 left after blocks of 4), output channels odd (a lone last channel), groups,
  // dilation read in place and through the padded copy, padding (the padded copy) and none (x read in place), a batch
  // the threads split; dx asked for or not. The suite draws rows this long one case in seven; these pin every tail.
  const cases = [
    [[20, 1, 28, 28], [6, 1, 5, 5], { padding: 2 }],
    [[3, 4, 9, 21], [6, 2, 3, 5], { groups: 2 }],
    [[2, 3, 6, 22], [5, 3, 2, 4], { padding: [1, 0] }],
    [[2, 2, 5, 21], [3, 2, 3, 3], { padding: { top: 0, bottom: 1, left: 2, right: 1 } }],
    [[3, 1, 12, 20], [5, 1, 3, 3], { dilation: [2, 2] }],
    [[2, 1, 8, 20], [5, 1, 3, 5], {}],
    [[2, 2, 10, 20], [3, 2, 3, 3], { dilation: 2, padding: 1 }],
  ] as const;
  for (const [xShape, wShape, options] of cases) {
    for (const inputGradient of [true, false]) {
      it(`x=${JSON.stringify(xShape)} w=${JSON.stringify(wShape)} ${JSON.stringify(options)}${inputGradient ? '' : ', no dx'}: dw and db within the error model, the same bits on 1 and 2 threads`, async () => {
        const x = float32Tensor(xShape, 1, 'cancelling');
        const w = float32Tensor(wShape, 2);
        const g = resolveConv2d('conv2d', xShape, wShape, null, options);
        const dy = float32Tensor([g.batch, g.outChannels, g.outH, g.outW], 3, 'cancelling');
        const args = [dy, x, w, { ...options, inputGradient }];
        const [one, two] = [createWasmSimdBackend({ threads: 1 }), createWasmSimdBackend({ threads: 2 })];
        const [a, b] = [await one.conv2dBackward(dy, x, w, { ...options, inputGradient }), await two.conv2dBackward(dy, x, w, { ...options, inputGradient })];
        expect(judge(EXPECTATIONS.conv2dBackward(args), b).filter((c) => !c.ok).map((c) => c.message)).toEqual([]);
        expect(b.dx === null).toBe(!inputGradient);
        for (const name of ['dw', 'db'] as const) expect(Buffer.from(b[name].data.buffer).equals(Buffer.from(a[name].data.buffer)), name).toBe(true);
        one.dispose();
        two.dispose();
      });
    }
  }
});

// Residency: the whole suite again, every input uploaded and every result kept in wasm memory.
describePropertySuite('wasm-simd, resident', () => residentView(createWasmSimdBackend()));

describe('the resident suite catches a residency bug (a mutant on wasm-simd)', () => {
  it('an operation that writes into its resident input (relu halving x in place, through sgd) fails, naming the input', async () => {
    const backend = createWasmSimdBackend({ threads: 1 });
    const inPlace = { ...backend, relu: async (x: Tensor) => (await backend.sgd([x], [x], 0.5), backend.relu(x)) };
    const [result] = await runPropertySuite(residentView(inPlace), { only: ['relu-equals-reference'], numRuns: 5 });
    backend.dispose();
    expect(result.passed).toBe(false);
    expect(result.error).toMatch(/relu on .* wrote into its resident input/);
  });

});

describe('wasm-simd threads', () => {
  it('conv2dBackward gives the same bits on 1 and 2 threads, call after call (weight gradients summed per chunk, in order)', async () => {
    const x = float32Tensor([64, 6, 14, 14], 1);
    const w = float32Tensor([16, 6, 5, 5], 2);
    const dy = float32Tensor([64, 16, 10, 10], 3);
    const one = createWasmSimdBackend({ threads: 1 });
    const two = createWasmSimdBackend({ threads: 2 });
    const expected = await one.conv2dBackward(dy, x, w);
    for (let call = 0; call < 5; call++) {
      const got = await two.conv2dBackward(dy, x, w);
      for (const name of ['dx', 'dw', 'db'] as const) {
        expect(Buffer.from(got[name]!.data.buffer).equals(Buffer.from(expected[name]!.data.buffer)), `call ${call}: ${name}`).toBe(true);
      }
    }
    one.dispose();
    two.dispose();
  });

  it('conv2d and conv2dBackward give the same bits on 1, 2 and 3 threads when the batch ends in a short chunk (front and back claims meet inside the batch)', async () => {
    // 19 images: chunks of 2 (chunkSize), the last one a single image, taken first by the back end.
    const x = float32Tensor([19, 3, 12, 12], 21);
    const w = float32Tensor([8, 3, 3, 3], 22);
    const b = float32Tensor([8], 23);
    const dy = float32Tensor([19, 8, 10, 10], 24);
    const backends = [1, 2, 3].map((threads) => createWasmSimdBackend({ threads }));
    const [y1, g1] = [await backends[0].conv2d(x, w, b), await backends[0].conv2dBackward(dy, x, w)];
    for (const backend of backends.slice(1)) {
      for (let call = 0; call < 3; call++) {
        expect(Buffer.from((await backend.conv2d(x, w, b)).data.buffer).equals(Buffer.from(y1.data.buffer)), `${backend.variant}, call ${call}: y`).toBe(true);
        const g = await backend.conv2dBackward(dy, x, w);
        for (const name of ['dx', 'dw', 'db'] as const) {
          expect(Buffer.from(g[name]!.data.buffer).equals(Buffer.from(g1[name]!.data.buffer)), `${backend.variant}, call ${call}: ${name}`).toBe(true);
        }
      }
    }
    // And right, not just the same: every image's dx against the reference within its error model.
    expect(judge(EXPECTATIONS.conv2dBackward([dy, x, w, {}]), g1).filter((c) => !c.ok).map((c) => c.message)).toEqual([]);
    expect(judge(EXPECTATIONS.conv2d([x, w, b, {}]), y1).filter((c) => !c.ok).map((c) => c.message)).toEqual([]);
    for (const backend of backends) backend.dispose();
  });
});

describe('wasm-simd splits work with no sum across threads (elementwise, per plane, per image, GEMM rows)', () => {
  // Big enough to be split (over 2^16 elements a thread), with an odd element count for the SIMD tail,
  // and odd planes: the suite's small cases run on one thread, so the split is judged here.
  const x = float32Tensor([3, 5, 99, 97], 4, 'moderate');
  const y = float32Tensor([3, 5, 99, 97], 5);
  const pool = { kernelSize: 3, stride: 2, padding: 1 };
  const pooled = maxPool2d(x, pool).shape;
  const calls: [string, unknown[]][] = [
    ['sigmoid', [x]], ['sigmoidBackward', [y, float32Tensor(x.shape, 6, 'positive')]], ['relu', [x]], ['reluBackward', [y, x]],
    ['maxPool2d', [x, pool]], ['maxPool2dBackward', [float32Tensor(pooled, 7), x, pool]],
    ['avgPool2d', [x, { ...pool, countIncludePad: false }]], ['avgPool2dBackward', [float32Tensor(pooled, 8), x, { ...pool, countIncludePad: false }]],
    ['conv2d', [float32Tensor([40, 1, 28, 28], 9), float32Tensor([6, 1, 5, 5], 10), float32Tensor([6], 11), { padding: 2 }]],
    // Rows cut at multiples of 4 (the GEMM blocks); 259 rows leave a 3-row tail, 121 and 403 column and k tails.
    ['linear', [float32Tensor([259, 403], 12), float32Tensor([121, 403], 13), float32Tensor([121], 14)]],
    ['linearBackward', [float32Tensor([259, 121], 15), float32Tensor([259, 403], 12), float32Tensor([121, 403], 13)]],
    ['matmul', [float32Tensor([259, 403], 12), float32Tensor([403, 121], 16)]],
  ];
  for (const [op, args] of calls) {
    it(`${op}: the same bits on 1 and 2 threads, and the reference's answer within its error model`, async () => {
      const one = createWasmSimdBackend({ threads: 1 });
      const two = createWasmSimdBackend({ threads: 2 });
      const call = (b: typeof one) => (b as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[op](...args);
      const [a, b] = [await call(one), await call(two)];
      // Every tensor of the result: itself, or each gradient (dx, dw, db).
      const tensorsOf = (r: unknown) => ('data' in (r as object) ? { result: r as Tensor } : (r as Record<string, Tensor>));
      for (const [name, t] of Object.entries(tensorsOf(b))) expect(Buffer.from(t.data.buffer).equals(Buffer.from(tensorsOf(a)[name].data.buffer)), name).toBe(true);
      const failures = judge(EXPECTATIONS[op as keyof typeof EXPECTATIONS](args), b).filter((c) => !c.ok).map((c) => c.message);
      expect(failures).toEqual([]);
      one.dispose();
      two.dispose();
    });
  }
});

describe('wasm-simd sigmoid (a vectorized exp)', () => {
  it('is within the exp error model over [-100, 100], at the float32 extremes, and keeps NaN', async () => {
    const xs: number[] = [];
    for (let v = -100; v <= 100; v += 0.0137) xs.push(v);
    xs.push(-1e30, 1e30, -Infinity, Infinity, 0, -0, 88.72, -87.34, 1e-30, NaN);
    const x = { shape: [xs.length], data: Float32Array.from(xs) };
    const backend = createWasmSimdBackend({ threads: 1 });
    const y = await backend.sigmoid(x);
    backend.dispose();
    const [comparison] = judge(EXPECTATIONS.sigmoid([x]), y); // the conformance property's own judge
    expect(comparison.ok, comparison.message).toBe(true);
    expect(Number.isNaN(y.data[xs.length - 1])).toBe(true);
  });
});

describe('wasm-simd max pool, the chapter\'s 2x2 stride-2 window (four outputs per f32x4 step)', () => {
  it('follows the scalar rule exactly on ties, NaN (a later NaN wins), -0 and +0, values and gradient', async () => {
    const backend = createWasmSimdBackend({ threads: 1 });
    // Few distinct values, so windows tie often; NaN and both zeros sprinkled in; odd sizes leave scalar edges.
    const palette = [1, 2, 2, -0, 0, NaN, -Infinity, 3];
    for (const [H, W, ceilMode] of [[8, 16, false], [9, 19, true], [4, 11, false]] as const) {
      const count = 2 * 3 * H * W;
      const x = { shape: [2, 3, H, W], data: Float32Array.from({ length: count }, (_, i) => palette[(i * 7 + (i >> 3)) % palette.length]) };
      const options = { kernelSize: 2, stride: 2, ceilMode };
      const y = await backend.maxPool2d(x, options);
      const expected = maxPool2d(x, options);
      expect(Array.from(y.data, (v) => Object.is(v, -0) ? '-0' : String(v))).toEqual(Array.from(expected.data, (v) => Object.is(v, -0) ? '-0' : String(v)));
      const dy = float32Tensor(expected.shape, 5);
      const dx = (await backend.maxPool2dBackward(dy, x, options)).dx;
      expect(Array.from(dx.data)).toEqual(Array.from(Float32Array.from(maxPool2dBackward(dy, x, options).dx.data)));
    }
    backend.dispose();
  });
});

describe('wasm-simd average pool, the chapter\'s 2x2 stride-2 window (f32x4 steps of four, two and one windows)', () => {
  it('gives the reference\'s bits, the sign of zero included: a window of -0s and a -0 dy give +0, as sums from +0 do', async () => {
    const backend = createWasmSimdBackend({ threads: 1 });
    // -0, +0 and, in x, negatives so small that a quarter of their sum rounds to -0 (in float64 too);
    // widths leave 2- and 1-window tails, and a ceil-mode edge for the scalar rule.
    const palette = [-0, -0, -0, -0, 0, -1e-45, 3, -0.5];
    // dy without the tiny ones: dy / 4 rounds to -0 in float32 but not in float64, so a zeroed cell plus it keeps the sign only in the reference.
    const dyPalette = [-0, -0, 0, 3, -0.5];
    const bits = (t: Tensor) => Array.from(t.data, (v) => (Object.is(v, -0) ? '-0' : String(v)));
    for (const [H, W, ceilMode] of [[8, 16, false], [6, 14, false], [4, 10, false], [6, 13, true]] as const) {
      const count = 2 * 3 * H * W;
      // Mostly runs of -0 (whole windows of them), broken up by the rest of the palette.
      const x = { shape: [2, 3, H, W], data: Float32Array.from({ length: count }, (_, i) => ((i >> 2) % 3 === 0 ? palette[(i * 7) % palette.length] : -0)) };
      const options = { kernelSize: 2, stride: 2, ceilMode };
      const y = await backend.avgPool2d(x, options);
      expect(bits(y)).toEqual(bits({ shape: y.shape, data: Float32Array.from(avgPool2d(x, options).data) }));
      const dy = { shape: y.shape, data: Float32Array.from(y.data, (_, i) => dyPalette[(i * 3) % dyPalette.length]) };
      const dx = (await backend.avgPool2dBackward(dy, x, options)).dx;
      expect(bits(dx)).toEqual(bits({ shape: dx.shape, data: Float32Array.from(avgPool2dBackward(dy, x, options).dx.data) }));
    }
    backend.dispose();
  });
});

describe('wasm-simd memory', () => {
  it('refuses a call that would need more than wasm32\'s 4 GiB, with the size and the fix, and frees what the call had taken', async () => {
    const backend = createWasmSimdBackend({ threads: 1 });
    const x = float32Tensor([1, 1, 2048, 2048], 1); // 16 MiB, but its 64x64 im2col at stride [1, 2] is ~30 GiB
    const w = float32Tensor([1, 1, 64, 64], 2);
    await expect(backend.conv2d(x, w, null, { stride: [1, 2] })).rejects.toThrow(
      /wasm-simd: an im2col buffer needs \d+\.\d+ GiB of wasm memory, with \d+\.\d MiB already in use \(resident tensors and this call's other buffers\): over the 4 GiB wasm32 limit\. Fix: split the batch, or release resident tensors you no longer need\./,
    );
    // The backend is still usable afterwards, and holds nothing.
    const y = await backend.conv2d(float32Tensor([1, 1, 3, 3], 3), float32Tensor([1, 1, 2, 2], 4), null);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(backend.device!.usage()).toMatchObject({ tensors: 0, bytes: 0 });
    backend.dispose();
  });
});

describe('wasm-simd resident tensors', () => {
  const x = float32Tensor([2, 3, 6, 6], 1);
  const w = float32Tensor([4, 3, 3, 3], 2);
  const b = float32Tensor([4], 3);

  it('a scope keeps results in wasm memory, chains them without copies, and releases all but what it returns', async () => {
    const backend = createWasmSimdBackend({ threads: 1 });
    const device = backend.device!;
    const host = await backend.sigmoid(await backend.conv2d(x, w, b, { padding: 1 }));
    const kept = await device.scope(async () => {
      const h = await backend.conv2d(x, w, b, { padding: 1 });
      expect(isResident(h)).toBe(true);
      const s = await backend.sigmoid(h);
      expect(device.usage().tensors).toBe(2);
      return { s };
    });
    expect(device.usage().tensors).toBe(1); // h was released, s returned
    expect(isResident(kept.s)).toBe(true);
    expect(Buffer.from(kept.s.data.buffer).equals(Buffer.from(host.data.buffer))).toBe(true);
    (kept.s as ResidentTensor).release();
    expect(device.usage()).toMatchObject({ tensors: 0, bytes: 0 });
    backend.dispose();
  });

  it('a released tensor is refused by name, by every operation and by a read, never read from reused memory', async () => {
    const backend = createWasmSimdBackend({ threads: 1 });
    const rx = await backend.device!.upload(x);
    rx.release();
    rx.release(); // twice is allowed
    await expect(backend.relu(rx)).rejects.toThrow('relu: x [2, 3, 6, 6] was released on wasm-simd (release() was called, or the scope that made it ended). Fix: return it from the scope, or release it only after its last use.');
    expect(() => rx.data).toThrow(/wasm-simd: a resident tensor \[2, 3, 6, 6\] was read after release\(\)/);
    backend.dispose();
  });

  it('sgd updates resident parameters where they live; the reference and gpu.js refuse them instead of updating a copy', async () => {
    const backend = createWasmSimdBackend({ threads: 1 });
    const p = await backend.device!.upload(w);
    const g = float32Tensor([4, 3, 3, 3], 5);
    const before = Float32Array.from(p.data); // a read-back copy, cached until sgd changes p
    await backend.sgd([p], [g], 0.5);
    const expected = Float32Array.from(before, (v, i) => Math.fround(v - Math.fround(0.5 * g.data[i])));
    expect(Array.from(p.data)).toEqual(Array.from(expected));
    expect(() => sgd([p], [g], 0.5)).toThrow(/sgd: params\[0\] \[4, 3, 3, 3\] is resident on wasm-simd, and this backend updates tensors in place in host memory/);
    p.release();
    backend.dispose();
  });

  it('another instance\'s resident tensor is read back and copied in, never used as an address here', async () => {
    const one = createWasmSimdBackend({ threads: 1 });
    const two = createWasmSimdBackend({ threads: 1 });
    const rx = await one.device!.upload(x);
    const y = await two.relu(rx);
    expect(Array.from(y.data)).toEqual(Array.from(x.data, (v) => Math.max(0, v)));
    rx.release();
    one.dispose();
    two.dispose();
  });
});

describe('wasm-simd build', () => {
  it('a build older than one of its sources is refused, naming the source and the fix (a pull that changed a kernel\'s arguments, run without npm run build)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-simd-build-'));
    const sources = join(dir, 'assembly');
    mkdirSync(sources);
    const wasm = join(dir, 'kernels.wasm');
    for (const f of ['conv.ts', 'gemm.ts']) writeFileSync(join(sources, f), '');
    writeFileSync(wasm, '');
    const [past, now] = [new Date(Date.now() - 60_000), new Date()];
    for (const f of ['conv.ts', 'gemm.ts']) utimesSync(join(sources, f), past, past);
    utimesSync(wasm, now, now);
    expect(staleBuildReason(wasm, sources)).toBeNull();
    utimesSync(join(sources, 'gemm.ts'), new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
    expect(staleBuildReason(wasm, sources)).toBe(`${wasm} is older than ${join(sources, 'gemm.ts')}. Fix: npm run build.`);
    expect(staleBuildReason(wasm, join(dir, 'none'))).toBeNull(); // an installed package has no sources
    rmSync(dir, { recursive: true, force: true });
  });
});
