/**
 * Self-contained repros of conformance failures: the failing call's concrete arguments (values, not
 * a generator's seed) as JSON, and a short script that calls the backend's module with them, judges
 * the result against the reference exactly as the suite did, prints what differs and exits 1. A team
 * pastes the script (and the values) into its own tracker; it runs with
 * `npx d2l-convnet-harness repro FILE` (or `npx tsx FILE`).
 */
/** A call as JSON: typed arrays become { $typed, values } with NaN, ±Infinity and -0 spelled out. */
export type EncodedValue = unknown;

const SPECIALS: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity, '-0': -0 };
const encodeNumber = (v: number): number | string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : Object.is(v, -0) ? '-0' : v);
const decodeNumber = (v: number | string): number => (typeof v === 'string' ? SPECIALS[v] : v);

export function encodeValue(value: unknown): EncodedValue {
  if (ArrayBuffer.isView(value)) {
    return { $typed: value.constructor.name, values: Array.from(value as unknown as ArrayLike<number>, encodeNumber) };
  }
  if (Array.isArray(value)) return value.map(encodeValue);
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeValue(v)]));
  return value;
}

export function decodeValue(value: EncodedValue): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (typeof value === 'object' && value !== null) {
    const v = value as { $typed?: string; values?: (number | string)[] };
    if (typeof v.$typed === 'string' && Array.isArray(v.values)) {
      const values = v.values.map(decodeNumber);
      return v.$typed === 'Float64Array' ? Float64Array.from(values) : v.$typed === 'Int32Array' ? Int32Array.from(values) : Float32Array.from(values);
    }
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, decodeValue(x)]));
  }
  return typeof value === 'string' && value in SPECIALS ? SPECIALS[value] : value;
}

/** The failing call of a conformance property: the operation and its arguments, encoded. */
export interface FailingCall {
  readonly op: string;
  readonly args: EncodedValue;
}

/**
 * A standalone TypeScript script that repeats `call` on the backend `modulePath` exports and judges
 * it with the harness that `harness` names (the package's name, or a path to its properties/index.ts):
 * the reference's answer and the error model, exactly as the suite judged it. Exit 1 while it fails.
 */
export function reproScript(options: { property: string; backend: string; modulePath: string; harness: string; call: FailingCall }): string {
  const { property, backend, modulePath, harness, call } = options;
  return `// Repro: ${property} failed on backend '${backend}': ${call.op} on these arguments.
// Run: npx d2l-convnet-harness repro <this file> (or npx tsx <this file>).
// Exits 1 while ${call.op} differs from the reference beyond its error model.
import * as exported from ${JSON.stringify(modulePath)};
import { assertUnchanged, backendFromModule, decodeValue, EXPECTATIONS, judge } from ${JSON.stringify(harness)};

const args = decodeValue(${JSON.stringify(call.args)}) as unknown[];

const made = await backendFromModule(exported, ${JSON.stringify(modulePath)});
const backend = made.backend as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
const before = structuredClone(args);
const expectations = EXPECTATIONS[${JSON.stringify(call.op)}](structuredClone(args)); // the reference's answer and its bound
const result = await backend[${JSON.stringify(call.op)}](...args);
const failures = judge(expectations, result).filter((c) => !c.ok).map((c) => c.message);
try {
  assertUnchanged(${JSON.stringify(call.op)}, args, before); // an operation must not write into its inputs
} catch (error) {
  failures.unshift((error as Error).message);
}
for (const f of failures) console.log(f);
console.log(failures.length ? '${call.op}: still differs from the reference' : '${call.op}: now equals the reference within its error model');
process.exit(failures.length ? 1 : 0);
`;
}
