// Repro: matrix:avgPool2d:padding failed on backend 'reference-float32': avgPool2d on these arguments.
// Run: npx d2l-convnet-harness repro <this file> (or npx tsx <this file>).
// Exits 1 while avgPool2d differs from the reference beyond its error model.
import * as exported from "../../../../properties/adapters/referenceFloat32Module.ts";
import { assertUnchanged, backendFromModule, decodeValue, EXPECTATIONS, judge } from "../../../../properties/index.ts";

const args = decodeValue([{"shape":[2,2,6,1],"data":{"$typed":"Float32Array","values":[-0.9999995827674866,0.5003200173377991,0.9205765128135681,-0.7392238974571228,-0.47351720929145813,0.9805539846420288,-0.6039791703224182,-0.7990620732307434,-0.2304663211107254,-0.21711143851280212,-0.5182701945304871,0.8142156004905701,-0.6511111855506897,0.11608722060918808,0.7559296488761902,0.8244065642356873,-0.7073455452919006,-0.8294866681098938,-0.0007754226098768413,-0.36952534317970276,-0.43008652329444885,-0.43335238099098206,0.2980518043041229,-0.47854578495025635]}},{"kernelSize":[4,2],"padding":[0,1]}]) as unknown[];

const made = await backendFromModule(exported, "../../../../properties/adapters/referenceFloat32Module.ts");
const backend = made.backend as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
const before = structuredClone(args);
const expectations = EXPECTATIONS["avgPool2d"](structuredClone(args)); // the reference's answer and its bound
const result = await backend["avgPool2d"](...args);
const failures = judge(expectations, result).filter((c) => !c.ok).map((c) => c.message);
try {
  assertUnchanged("avgPool2d", args, before); // an operation must not write into its inputs
} catch (error) {
  failures.unshift((error as Error).message);
}
for (const f of failures) console.log(f);
console.log(failures.length ? 'avgPool2d: still differs from the reference' : 'avgPool2d: now equals the reference within its error model');
process.exit(failures.length ? 1 : 0);
