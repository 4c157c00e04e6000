// NOTE: onnxruntime-web-webgpu (ONNX Runtime Web 1.30.0 webgpu (headless Chromium)) exists only in a browser. This repro runs only in a page
// where that runtime can start (bundled for the browser, as properties/browser/bundle.ts bundles the runtimes
// page), not under Node; in a page it prints its verdict on the console (process.exit aside). `npm run matrix`
// confirmed it in headless Chromium with properties/browser/runtimesPage.ts's replay (the same call, judged the same way).
// Repro: matrix:maxPool2d:dilation-padding failed on backend 'onnxruntime-web-webgpu': maxPool2d on these arguments.
// Run: npx d2l-convnet-harness repro <this file> (or npx tsx <this file>).
// Exits 1 while maxPool2d differs from the reference beyond its error model.
import * as exported from "../../../../properties/adapters/onnxruntimeWebgpuModule.ts";
import { assertUnchanged, backendFromModule, decodeValue, EXPECTATIONS, judge } from "../../../../properties/index.ts";

const args = decodeValue([{"shape":[2,2,1,7],"data":{"$typed":"Float32Array","values":[0.06640625,-0.05859375,0.20703125,0.00390625,-0.13671875,0.05078125,0.08203125,0.12890625,-0.21484375,-0.01171875,-0.18359375,-0.15234375,-0.16796875,-0.19921875,0.17578125,-0.10546875,-0.07421875,0.14453125,0.03515625,0.09765625,-0.02734375,0.01953125,0.16015625,-0.08984375,-0.04296875,0.11328125,0.19140625,-0.12109375]}},{"kernelSize":[2,2],"stride":[2,2],"padding":{"top":1,"bottom":1,"left":0,"right":0},"dilation":[2,1]}]) as unknown[];

const made = await backendFromModule(exported, "../../../../properties/adapters/onnxruntimeWebgpuModule.ts");
const backend = made.backend as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
const before = structuredClone(args);
const expectations = EXPECTATIONS["maxPool2d"](structuredClone(args)); // the reference's answer and its bound
const result = await backend["maxPool2d"](...args);
const failures = judge(expectations, result).filter((c) => !c.ok).map((c) => c.message);
try {
  assertUnchanged("maxPool2d", args, before); // an operation must not write into its inputs
} catch (error) {
  failures.unshift((error as Error).message);
}
for (const f of failures) console.log(f);
console.log(failures.length ? 'maxPool2d: still differs from the reference' : 'maxPool2d: now equals the reference within its error model');
process.exit(failures.length ? 1 : 0);
