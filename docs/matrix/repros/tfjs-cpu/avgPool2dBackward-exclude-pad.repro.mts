// Repro: matrix:avgPool2dBackward:exclude-pad failed on backend 'tfjs-cpu': avgPool2dBackward on these arguments.
// Run: npx d2l-convnet-harness repro <this file> (or npx tsx <this file>).
// Exits 1 while avgPool2dBackward differs from the reference beyond its error model.
import * as exported from "../../../../properties/adapters/tfjsCpuModule.ts";
import { assertUnchanged, backendFromModule, decodeValue, EXPECTATIONS, judge } from "../../../../properties/index.ts";

const args = decodeValue([{"shape":[1,1,1,1],"data":{"$typed":"Float32Array","values":[0.9999999403953552]}},{"shape":[1,1,2,1],"data":{"$typed":"Float32Array","values":[1,0.5]}},{"kernelSize":[2,2],"padding":{"top":0,"bottom":0,"left":1,"right":0},"ceilMode":false,"countIncludePad":false}]) as unknown[];

const made = await backendFromModule(exported, "../../../../properties/adapters/tfjsCpuModule.ts");
const backend = made.backend as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
const before = structuredClone(args);
const expectations = EXPECTATIONS["avgPool2dBackward"](structuredClone(args)); // the reference's answer and its bound
const result = await backend["avgPool2dBackward"](...args);
const failures = judge(expectations, result).filter((c) => !c.ok).map((c) => c.message);
try {
  assertUnchanged("avgPool2dBackward", args, before); // an operation must not write into its inputs
} catch (error) {
  failures.unshift((error as Error).message);
}
for (const f of failures) console.log(f);
console.log(failures.length ? 'avgPool2dBackward: still differs from the reference' : 'avgPool2dBackward: now equals the reference within its error model');
process.exit(failures.length ? 1 : 0);
