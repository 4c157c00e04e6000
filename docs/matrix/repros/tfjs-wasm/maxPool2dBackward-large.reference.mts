// Repro: matrix:maxPool2dBackward:large failed on backend 'reference-float32': maxPool2dBackward on these arguments.
// Run: npx d2l-convnet-harness repro <this file> (or npx tsx <this file>).
// Exits 1 while maxPool2dBackward differs from the reference beyond its error model.
import * as exported from "../../../../properties/adapters/referenceFloat32Module.ts";
import { assertUnchanged, backendFromModule, decodeValue, EXPECTATIONS, judge } from "../../../../properties/index.ts";

const args = decodeValue([{"shape":[1,1,1,2],"data":{"$typed":"Float32Array","values":[0.9999999403953552,0.6250401139259338]}},{"shape":[1,1,1,2],"data":{"$typed":"Float32Array","values":[-16131.125,-16122.1337890625]}},{"kernelSize":[1,1],"padding":0,"ceilMode":false,"dilation":[1,1]}]) as unknown[];

const made = await backendFromModule(exported, "../../../../properties/adapters/referenceFloat32Module.ts");
const backend = made.backend as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
const before = structuredClone(args);
const expectations = EXPECTATIONS["maxPool2dBackward"](structuredClone(args)); // the reference's answer and its bound
const result = await backend["maxPool2dBackward"](...args);
const failures = judge(expectations, result).filter((c) => !c.ok).map((c) => c.message);
try {
  assertUnchanged("maxPool2dBackward", args, before); // an operation must not write into its inputs
} catch (error) {
  failures.unshift((error as Error).message);
}
for (const f of failures) console.log(f);
console.log(failures.length ? 'maxPool2dBackward: still differs from the reference' : 'maxPool2dBackward: now equals the reference within its error model');
process.exit(failures.length ? 1 : 0);
