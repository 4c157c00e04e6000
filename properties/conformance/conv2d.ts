/** conv2d forward and backward equal the reference within the float32 error model. */
import fc from 'fast-check';
import * as ref from '../../reference/index';
import { conv2dCase, type Conv2dCase } from '../arbitraries/conv2dCase';
import { deepConv2dCase } from '../arbitraries/deepConv2dCase';
import { assertClose, assertFloat32 } from '../compare';
import { defineProperty } from '../property';
import { abs } from '../tensorOps';
import { float32Tensor } from '../tensors';
import { sumOfProductsTolerance } from '../tolerance';

/** Mostly small mixed configurations; one in four has a sum longer than 1000 terms. */
export const conformanceConv2dCases = fc.oneof({ arbitrary: conv2dCase(), weight: 3 }, { arbitrary: deepConv2dCase(), weight: 1 });

/** The case's tensors, float32-representable. */
export function conv2dInputs(c: Conv2dCase): { x: ref.Tensor; w: ref.Tensor; b: ref.Tensor | null } {
  return {
    x: float32Tensor(c.xShape, c.seed),
    w: float32Tensor(c.weightShape, c.seed + 1),
    b: c.hasBias ? float32Tensor([c.weightShape[0]], c.seed + 2) : null,
  };
}

export const conv2dForwardEqualsReference = defineProperty({
  id: 'conv2d-forward-equals-reference',
  kind: 'conformance',
  statement: 'conv2d(x, w, b) equals the float64 reference within (n+2)·2^-24·Σ|x·w| per output, n = Cin/groups·kh·kw + 1',
  arbitrary: conformanceConv2dCases,
  async check(backend, c: Conv2dCase) {
    const { x, w, b } = conv2dInputs(c);
    const actual = await backend.conv2d(x, w, b, c.options);
    assertFloat32('conv2d', actual);
    const terms = c.weightShape[1] * c.weightShape[2] * c.weightShape[3] + 1;
    const absolute = ref.conv2d(abs(x), abs(w), b && abs(b), c.options);
    assertClose('conv2d', actual, ref.conv2d(x, w, b, c.options), sumOfProductsTolerance(absolute.data, terms));
  },
});

export const conv2dBackwardEqualsReference = defineProperty({
  id: 'conv2d-backward-equals-reference',
  kind: 'conformance',
  statement: 'conv2dBackward gives dx, dw, db equal to the reference within the error model of each one\'s sum',
  arbitrary: conformanceConv2dCases,
  async check(backend, c: Conv2dCase) {
    const { x, w } = conv2dInputs(c);
    const g = ref.resolveConv2d('conv2d', c.xShape, c.weightShape, null, c.options);
    const dy = float32Tensor([g.batch, g.outChannels, g.outH, g.outW], c.seed + 3);
    const actual = await backend.conv2dBackward(dy, x, w, c.options);
    const expected = ref.conv2dBackward(dy, x, w, c.options);
    const absolute = ref.conv2dBackward(abs(dy), abs(x), abs(w), c.options);
    const positions = g.batch * g.outH * g.outW;
    for (const [name, terms] of [['dx', g.outChannelsPerGroup * g.kernelH * g.kernelW], ['dw', positions], ['db', positions]] as const) {
      assertFloat32(`conv2d ${name}`, actual[name]);
      assertClose(`conv2d ${name}`, actual[name], expected[name], sumOfProductsTolerance(absolute[name].data, terms));
    }
  },
});
