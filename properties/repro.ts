/**
 * Self-contained repros of conformance failures: the failing call's concrete arguments (values, not
 * a generator's seed) as JSON, and a short script that calls the backend's module with them, judges
 * the result against the reference exactly as the suite did, prints what differs and exits 1. A team
 * pastes the script (and the values) into its own tracker; it runs with
 * `npx d2l-convnet-harness repro FILE` (or `npx tsx FILE`).
 */
/**
 * A call as JSON. Typed arrays become { $typed, values } with NaN, ±Infinity and -0 spelled out and
 * float32 values in their shortest decimal, or, past BASE64_FROM elements, { $typed, base64 }: their
 * bytes (little-endian), so a LeNet-sized case stays small enough to paste into an issue tracker
 * (about 5.3 characters a value instead of up to 20).
 */
export type EncodedValue = unknown;

/** Typed arrays of at least this many elements are encoded as base64 bytes, not a list of numbers. */
export const BASE64_FROM = 64;

const SPECIALS: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity, '-0': -0 };
/** The shortest decimal that reads back as the same float32 (at most 9 significant digits). */
function shortestFloat32(v: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === v) return candidate;
  }
  return Number(v.toPrecision(9));
}
const encodeNumber = (v: number, float32 = false): number | string =>
  Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : Object.is(v, -0) ? '-0' : float32 ? shortestFloat32(v) : v;
const decodeNumber = (v: number | string): number => (typeof v === 'string' ? SPECIALS[v] : v);

const TYPED = { Float32Array, Float64Array, Int32Array } as const;
type TypedName = keyof typeof TYPED;

/** Bytes to base64 and back with btoa/atob (Node and browsers both have them). */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
/** The host's byte order is the wire's (little-endian) on every engine this runs on; a big-endian one would need a swap. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export function encodeValue(value: unknown): EncodedValue {
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    const array = value as unknown as ArrayLike<number> & ArrayBufferView;
    if (Object.hasOwn(TYPED, name) && array.length >= BASE64_FROM && LITTLE_ENDIAN) {
      return { $typed: name, base64: toBase64(new Uint8Array(array.buffer, array.byteOffset, array.byteLength)) };
    }
    return { $typed: name, values: Array.from(array, (v) => encodeNumber(v, name === 'Float32Array')) };
  }
  if (Array.isArray(value)) return value.map(encodeValue);
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeValue(v)]));
  return value;
}

export function decodeValue(value: EncodedValue): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (typeof value === 'object' && value !== null) {
    const v = value as { $typed?: string; values?: (number | string)[]; base64?: string };
    if (typeof v.$typed === 'string' && (Array.isArray(v.values) || typeof v.base64 === 'string')) {
      const Typed = TYPED[(Object.hasOwn(TYPED, v.$typed) ? v.$typed : 'Float32Array') as TypedName];
      if (typeof v.base64 === 'string') {
        const bytes = fromBase64(v.base64);
        return new Typed(bytes.buffer as ArrayBuffer, 0, bytes.byteLength / Typed.BYTES_PER_ELEMENT);
      }
      return Typed.from(v.values!.map(decodeNumber));
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
