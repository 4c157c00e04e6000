// NOTE: tfjs-webgpu (TensorFlow.js 4.22.0 webgpu (headless Chromium)) exists only in a browser. This repro runs only in a page
// where that runtime can start (bundled for the browser, as properties/browser/bundle.ts bundles the runtimes
// page), not under Node; in a page it prints its verdict on the console (process.exit aside). `npm run matrix`
// confirmed it in headless Chromium with properties/browser/runtimesPage.ts's replay (the same call, judged the same way).
// Repro: matrix:avgPool2d:padding-per-side failed on backend 'tfjs-webgpu': avgPool2d on these arguments.
// Run: npx d2l-convnet-harness repro <this file> (or npx tsx <this file>).
// Exits 1 while avgPool2d differs from the reference beyond its error model.
import * as exported from "../../../../properties/adapters/tfjsWebgpuModule.ts";
import { assertUnchanged, backendFromModule, decodeValue, EXPECTATIONS, judge } from "../../../../properties/index.ts";

const args = decodeValue([{"shape":[2,2,7,3],"data":{"$typed":"Float32Array","values":[-0.7462683916091919,-0.718226969242096,0.12275101244449615,0.6500328779220581,-0.7083285450935364,0.48231086134910583,0.22157059609889984,0.12935687601566315,-0.8135783672332764,-0.5639799237251282,-0.3192400336265564,-0.08709923177957535,0.8128243088722229,0.9564043879508972,-0.0400589220225811,-0.040020037442445755,0.3694670796394348,-0.6794090270996094,0.6484168171882629,-0.3942202627658844,-0.9529294371604919,0.4521595239639282,0.26684433221817017,0.7555766701698303,0.3953072428703308,-0.8973129391670227,-0.6148931384086609,-0.038632895797491074,-0.5777748227119446,-0.878225564956665,-0.1360829770565033,-0.6288591027259827,-0.6137896776199341,0.3385235667228699,0.9029249548912048,0.7662151455879211,0.826228678226471,-0.5971086025238037,0.8049769997596741,0.9414867162704468,-0.928736686706543,0.11281431466341019,0.9262406229972839,-0.4317014813423157,-0.8346143960952759,-0.7841368317604065,0.4614846408367157,0.6197333335876465,-0.5802180767059326,-0.9767832159996033,0.817732036113739,0.013300281018018723,-0.8932546377182007,0.3532610237598419,0.8765337467193604,-0.0037584425881505013,-0.7957944869995117,-0.809697687625885,-0.06529548764228821,-0.8686896562576294,-0.7539613246917725,-0.7303992509841919,-0.7384766340255737,0.6906018853187561,-0.8947542905807495,0.4506426751613617,-0.31684309244155884,0.3433522582054138,0.7087864875793457,0.6556270718574524,-0.3543553352355957,-0.4547213017940521,-0.7327415943145752,0.013983477838337421,0.3583384156227112,0.2685321867465973,0.8250012397766113,-0.5663676261901855,-0.8753060102462769,0.849415123462677,0.6658309698104858,-0.4850195646286011,-0.9320513606071472,0.3901759386062622]}},{"kernelSize":[3,3],"padding":{"top":0,"bottom":0,"left":1,"right":0}}]) as unknown[];

const made = await backendFromModule(exported, "../../../../properties/adapters/tfjsWebgpuModule.ts");
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
