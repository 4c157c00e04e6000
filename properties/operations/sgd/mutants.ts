/** Realistic bugs in sgd: each is the float32 reference with one bug in place, and lists the properties that must catch it. */
import * as ref from '../../../reference/index.ts';
import type { Backend } from '../../../kernels/backend.ts';
import type { Mutant } from '../family.ts';
import { f32, fr, grads, rowsOf } from '../mutantKit.ts';
import { checkSgd } from '../../../reference/sgd.ts';

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'sgd-not-in-place', bug: 'sgd computes the new parameters into fresh arrays and drops them', caughtBy: ['sgd-equals-reference'],
    overrides: () => ({
      sgd: async (params, gradients, lr) => {
        checkSgd(params, gradients, lr);
        params.map((p, i) => Float32Array.from(p.data, (v, k) => v - lr * gradients[i].data[k]));
      },
    }),
  },
];
