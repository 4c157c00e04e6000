/**
 * A backend's residency, judged by the whole property suite: every call uploads its tensor
 * arguments, runs inside `device.scope` (so the operation reads resident inputs in place and keeps
 * its results resident), then reads the results back. The suite then checks the values as usual,
 * and this adapter adds what only residency can break:
 * - an operation must not write into its inputs (they are the caller's tensors now, not copies);
 * - when the scope ends, nothing is left behind (the backend's resident-tensor count is unchanged).
 */
import * as ref from '../../reference/index.ts';
import { mapTensorArguments, overriding, wrapOperations, type Backend, type DeviceMemory, type Operation } from '../../kernels/backend.ts';

export function residentView(backend: Backend): Backend {
  const device = backend.device;
  if (!device) throw new Error(`residentView: backend '${backend.name}' has no device memory (backend.device is undefined).`);
  const wrapped = wrapOperations(backend, (op, method, args) => callResident(device, op, method, args));
  return overriding(wrapped, { name: `${backend.name} (resident)` });
}


async function callResident(device: DeviceMemory, op: string, method: Operation, args: unknown[]): Promise<unknown> {
  const before = device.usage().tensors;
  const result = await device.scope(async () => {
    const uploads: { host: ref.Tensor; resident: ref.ResidentTensor }[] = [];
    const residentArgs = await mapTensorArguments(args, async (host) => {
      const resident = await device.upload(host);
      uploads.push({ host, resident });
      return resident;
    });
    const out = await method(...residentArgs);
    for (const { host, resident } of uploads) {
      const values = await resident.read();
      if (op === 'sgd' && (args[0] as unknown[]).includes(host)) {
        host.data.set(values); // the parameters' new values, as the in-place contract says
      } else if (!sameFloat32(host.data, values)) {
        throw new Error(`${op} on ${resident[ref.RESIDENT]} wrote into its resident input ${ref.formatShape(host.shape)}.`);
      }
    }
    return readBack(out);
  });
  const after = device.usage().tensors;
  if (after !== before) throw new Error(`${op}: ${after - before} resident tensor(s) left behind when its scope ended.`);
  return result;
}


/** Host copies of every tensor in an operation's result (a tensor, a gradients object, a number), read with `read()` (async on WebGPU). */
async function readBack(value: unknown): Promise<unknown> {
  if (ref.isResident(value)) return { shape: [...value.shape], data: Float32Array.from(await value.read()) };
  if (Array.isArray(value)) return Promise.all(value.map(readBack));
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await readBack(v)])));
  }
  return value;
}

/** Bit for bit (NaN payloads and -0 included), and without Node's Buffer: this runs in the browser page too. */
function sameFloat32(host: ArrayLike<number>, resident: ArrayLike<number>): boolean {
  const a = new Uint32Array(Float32Array.from(host).buffer);
  const b = new Uint32Array(Float32Array.from(resident).buffer);
  return a.length === b.length && a.every((bits, i) => bits === b[i]);
}
