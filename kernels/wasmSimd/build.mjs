// `npm run build`: compiles kernels/wasmSimd/assembly twice with AssemblyScript, into .cache/wasm-simd/:
// kernels.wasm (WebAssembly SIMD) and kernels-fma.wasm (SIMD plus relaxed SIMD, so madd is one fused
// multiply-add). The backend loads the FMA build where the engine compiles it, else the plain one.
import asc from 'assemblyscript/asc';

const common = [
  'kernels/wasmSimd/assembly/index.ts', '--optimizeLevel', '3', '--shrinkLevel', '0', '--runtime', 'stub', '--enable', 'simd',
  '--enable', 'threads', '--importMemory', '--sharedMemory', '--initialMemory', '2', '--maximumMemory', '65536', '--noAssert',
];
const builds = [
  { outFile: '.cache/wasm-simd/kernels.wasm', flags: [] },
  { outFile: '.cache/wasm-simd/kernels-fma.wasm', flags: ['--enable', 'relaxed-simd'] },
];
for (const { outFile, flags } of builds) {
  const { error, stderr } = await asc.main([...common, ...flags, '--outFile', outFile]);
  if (error) {
    console.error(`wasm-simd build of ${outFile} failed: ${error.message}\n${stderr.toString()}`);
    process.exit(1);
  }
}
