/**
 * What a backend module exports, as the command, a repro script and a test read it: `createBackend`
 * or `default`, being the backend itself, a (possibly async) function returning it, or a class
 * (constructed with no arguments); and, optionally, `expectedDifferences`.
 */
import { OPERATION_NAMES, type PartialBackend } from '../kernels/backend.ts';
import type { ExpectedDifference } from './suite.ts';

export interface BackendModule {
  readonly backend: PartialBackend;
  readonly expectedDifferences: readonly ExpectedDifference[];
}

const isClass = (f: unknown): f is new () => unknown => typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));

/** What the module does export, and the nearest fix: `export default` of what looks like the backend, or a wrapper around bare operations. */
function foundExports(module: Record<string, unknown>): string {
  const names = Object.keys(module).filter((n) => n !== 'expectedDifferences' && n !== '__esModule');
  if (names.length === 0) return ' (it exports nothing)';
  const operations = names.filter((n) => (OPERATION_NAMES as readonly string[]).includes(n));
  if (operations.length > 0) {
    return ` (it exports the operation${operations.length > 1 ? 's' : ''} ${operations.join(', ')} one by one; wrap ${operations.length > 1 ? 'them' : 'it'}: export default { name: 'my-backend', ${operations.join(', ')} })`;
  }
  const objects = names.filter((n) => typeof module[n] === 'object' || typeof module[n] === 'function');
  return ` (it exports ${names.join(', ')}${objects.length ? `; if ${objects[0]} is the backend: export default ${objects[0]}` : ''})`;
}

/** The backend `module` exports, made if it exports a factory or a class. `where` names the module in errors. */
export async function backendFromModule(namespace: Record<string, unknown>, where: string): Promise<BackendModule> {
  // A TypeScript module compiled as CommonJS (outside a "type": "module" package) arrives with its exports under `default`.
  const inner = namespace.default as Record<string, unknown> | undefined;
  const module = namespace.createBackend === undefined && typeof inner === 'object' && inner !== null && ('createBackend' in inner || 'default' in inner) ? inner : namespace;
  const exported = module.createBackend ?? module.default;
  if (exported === undefined) {
    throw new TypeError(`${where} exports neither createBackend nor a default${foundExports(module)}: export the backend, a function that returns it, or its class.`);
  }
  const backend = (isClass(exported) ? new exported() : typeof exported === 'function' ? await (exported as () => unknown)() : exported) as PartialBackend;
  if (typeof backend !== 'object' || backend === null || typeof backend.name !== 'string') {
    throw new TypeError(`${where}: the exported backend must be an object with a string name; got ${backend === null ? 'null' : typeof backend}.`);
  }
  if (backend.oracle === true) {
    throw new TypeError(`${where}: the backend sets oracle: true, which marks the harness's own reference (the suite never compares it with itself, the bench never checks it). A backend to judge must not set it.`);
  }
  const device = (backend as { device?: unknown }).device;
  const memberOf = (name: string) => typeof (device as Record<string, unknown> | null)?.[name] === 'function';
  if (device !== undefined && !['scope', 'upload', 'finish', 'usage'].every(memberOf)) {
    throw new TypeError(
      `${where}: the backend's device is ${typeof device === 'object' && device !== null ? 'an object without ' + ['scope', 'upload', 'finish', 'usage'].filter((m) => !memberOf(m)).join(', ') : JSON.stringify(device)}. ` +
        `device is the harness's DeviceMemory (scope, upload, finish, usage: resident tensors, see the Backend type); leave it out when results come back as host tensors.`,
    );
  }
  const expectedDifferences = module.expectedDifferences ?? [];
  if (!Array.isArray(expectedDifferences) || expectedDifferences.some((d) => typeof d?.property !== 'string' || typeof d?.reason !== 'string')) {
    throw new TypeError(`${where}: expectedDifferences must be an array of { property, reason, link? } with string property ids and reasons.`);
  }
  return { backend, expectedDifferences };
}
