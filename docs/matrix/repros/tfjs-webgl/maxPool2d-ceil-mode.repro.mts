// NOTE: tfjs-webgl (TensorFlow.js 4.22.0 webgl (headless Chromium)) exists only in a browser. This repro runs only in a page
// where that runtime can start (bundled for the browser, as properties/browser/bundle.ts bundles the runtimes
// page), not under Node; in a page it prints its verdict on the console (process.exit aside). `npm run matrix`
// confirmed it in headless Chromium with properties/browser/runtimesPage.ts's replay (the same call, judged the same way).
// Repro: matrix:maxPool2d:ceil-mode failed on backend 'tfjs-webgl': maxPool2d on these arguments.
// Run: npx d2l-convnet-harness repro <this file> (or npx tsx <this file>).
// Exits 1 while maxPool2d differs from the reference beyond its error model.
import * as exported from "../../../../properties/adapters/tfjsWebglModule.ts";
import { assertUnchanged, backendFromModule, decodeValue, EXPECTATIONS, judge } from "../../../../properties/index.ts";

const args = decodeValue([{"shape":[1,1,3,4],"data":{"$typed":"Float32Array","values":[-0.07421875,-0.04296875,0.06640625,0.00390625,0.01953125,-0.05859375,-0.02734375,-0.08984375,-0.01171875,0.05078125,0.03515625,0.08203125]}},{"kernelSize":[3,3],"stride":[3,2],"padding":{"top":1,"bottom":1,"left":1,"right":1},"ceilMode":true}]) as unknown[];

const made = await backendFromModule(exported, "../../../../properties/adapters/tfjsWebglModule.ts");
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
