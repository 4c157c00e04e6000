/**
 * TensorFlow.js's CPU backend behind our backend interface: a real third-party port, run through
 * the property suite to prove the suite is pluggable and to find where its semantics differ from
 * PyTorch's (see TFJS_CPU_DIFFERENCES and the README).
 *
 * The adapter maps each operation to the nearest tfjs op (NCHW <-> NHWC transposes around it) and
 * validates with the reference's own checks, as the README recommends for any port. What tfjs cannot
 * express at all (grouped convolution, per-side pooling padding, pooling dilation) is declined with
 * UnsupportedOptionError; everything it can express runs, so semantic differences show up as failures.
 */
import * as tf from '@tensorflow/tfjs';
import * as ref from '../../reference/index.ts';
import { UnsupportedOptionError, type Backend } from '../../kernels/backend.ts';
import { checkConv2d, checkConv2dBackward } from '../../reference/conv2d.ts';
import { checkMaxPool2d, checkMaxPool2dBackward } from '../../reference/maxPool2d.ts';
import { checkAvgPool2d, checkAvgPool2dBackward } from '../../reference/avgPool2d.ts';
import { checkLinear, checkLinearBackward } from '../../reference/linear.ts';
import { checkMatmul } from '../../reference/matmul.ts';
import { assertLabels } from '../../reference/crossEntropy.ts';
import { checkSgd } from '../../reference/sgd.ts';

/**
 * Properties tfjs-cpu fails, and why: found by running the suite, kept here so the test notices when
 * one appears or disappears, and quoted in the README.
 */
export const TFJS_CPU_DIFFERENCES: Readonly<Record<string, string>> = {
  'law-output-shape-formula':
    'ceil-mode pooling shapes: tfjs rounds up without PyTorch\'s rule that the last window must start inside the input, ' +
    'and with a single padding number it derives both output sides from the window height and stride height',
  'law-max-pool-dominates-avg-pool': 'the ceil-mode pooling shapes above (tfjs max and avg pools disagree with the formula)',
  'law-pool-transpose-commutes': 'the ceil-mode pooling shapes above: pool(xᵀ) is not pool(x)ᵀ for non-square windows or strides',
  'maxpool2d-equals-reference': 'the ceil-mode pooling shapes above',
  'avgpool2d-equals-reference': 'countIncludePad: tfjs never counts padding cells in the divisor; PyTorch\'s default (countIncludePad: true) does',
  'nan-propagates-like-reference': 'max-pool gradient: tfjs sends no gradient to a NaN maximum; PyTorch routes it to the NaN',
  'contract-deterministic': 'the ceil-mode pooling shapes above: a gradient of the shape of tfjs\'s own pool output is not the forward output PyTorch defines',
  'cross-entropy-equals-reference': 'softmaxCrossEntropy loses precision once logits are large: 2.4x the bound at logits near 120, a rounding at the scale of the logits rather than of their shifted values',
  'relu-equals-reference': 'relu backward: tfjs computes dy·step(x), so a NaN gradient where x <= 0 stays NaN; PyTorch gives 0 (x <= 0 ? 0 : dy)',
};

type PoolCase = { options: ref.MaxPool2dOptions & ref.AvgPool2dOptions };
const padded = (o: PoolCase['options']) => Object.values(ref.resolvePadding('pool', o.padding ?? 0)).some((p) => p > 0);

/**
 * The cases each difference concerns (a predicate on the property's case, as counterexamples print
 * it), where that can be said: the property's other cases are still judged, so a new fault in them
 * fails. Properties absent here are expected to differ as a whole.
 */
export const TFJS_CPU_CASES: Readonly<Record<string, (c: PoolCase) => boolean>> = {
  'maxpool2d-equals-reference': (c) => c.options.ceilMode === true,
  'avgpool2d-equals-reference': (c) => c.options.ceilMode === true || ((c.options.countIncludePad ?? true) && padded(c.options)),
};

/** tf.oneHot needs a depth of at least 2, so softmaxCrossEntropy cannot take logits of one class. */
function declineSingleClass(logits: ref.Tensor): void {
  if (logits.shape[1] < 2) throw new UnsupportedOptionError('tfjs-cpu', 'cross-entropy over a single class (tf.oneHot needs depth >= 2)');
}

/** What the adapter declines (UnsupportedOptionError): tfjs has no way to express it. */
export const TFJS_CPU_UNSUPPORTED: readonly string[] = [
  'grouped conv2d (groups > 1)',
  'conv2d with both stride > 1 and dilation > 1',
  'conv2d gradients with dilation > 1',
  'max pooling with dilation > 1',
  'ceil-mode pooling with unequal padding per side',
  'cross-entropy over a single class',
];

const NAME = 'tfjs-cpu';
const nhwc = (t: ref.Tensor) => tf.tidy(() => tf.transpose(tf.tensor4d(Float32Array.from(t.data), t.shape as [number, number, number, number]), [0, 2, 3, 1]));
const filterOf = (w: ref.Tensor) => tf.tidy(() => tf.transpose(tf.tensor4d(Float32Array.from(w.data), w.shape as [number, number, number, number]), [2, 3, 1, 0]));
const tensorOf = (t: ref.Tensor) => tf.tensor(Float32Array.from(t.data), [...t.shape]);

/** Reads a tfjs tensor back as one of ours (NHWC → NCHW for rank 4), and frees it. */
async function read(t: tf.Tensor, fromNhwc = t.rank === 4): Promise<ref.Tensor> {
  const out = fromNhwc ? tf.transpose(t, [0, 3, 1, 2]) : t;
  const data = (await out.data()) as Float32Array;
  const shape = [...out.shape];
  if (out !== t) out.dispose();
  t.dispose();
  return { shape, data };
}

type Conv2dPadding = [[0, 0], [number, number], [number, number], [0, 0]];

function convArgs(g: ref.Conv2dGeometry): { strides: [number, number]; pad: Conv2dPadding; dilations: [number, number] } {
  if (g.groups > 1) throw new UnsupportedOptionError(NAME, `grouped conv2d (groups=${g.groups}); tf.conv2d has no groups`);
  if ((g.strideH > 1 || g.strideW > 1) && (g.dilationH > 1 || g.dilationW > 1)) {
    throw new UnsupportedOptionError(NAME, 'conv2d with both stride > 1 and dilation > 1 (tf.conv2d rejects it)');
  }
  return {
    strides: [g.strideH, g.strideW],
    pad: [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]],
    dilations: [g.dilationH, g.dilationW],
  };
}

type PoolPadding = number | Conv2dPadding;

/**
 * tfjs pools take per-side padding only as an explicit [[0,0],[t,b],[l,r],[0,0]] array, and rounding
 * (ceil mode) only with a single padding number. A single number is also subject to a tfjs shape bug
 * (TFJS_CPU_DIFFERENCES), so it is used only where ceil mode needs it.
 */
function poolArgs(g: ref.Pool2dGeometry, dilated: boolean): { pad: PoolPadding; rounding?: 'ceil' } {
  if (dilated) throw new UnsupportedOptionError(NAME, 'max pooling with dilation > 1 (tf.maxPool has none)');
  if (!g.ceilMode) return { pad: [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]] };
  if (g.padTop !== g.padBottom || g.padLeft !== g.padRight || g.padTop !== g.padLeft) {
    throw new UnsupportedOptionError(NAME, 'ceil-mode pooling with unequal padding per side (tfjs rounds only with one padding number)');
  }
  return { pad: g.padTop, rounding: 'ceil' };
}

export function createTfjsCpuBackend(): Backend {
  void tf.setBackend('cpu');
  const conv = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D | null, g: ref.Conv2dGeometry) => {
    const { strides, pad, dilations } = convArgs(g);
    const y = tf.conv2d(x, w, strides, pad, 'NHWC', dilations);
    return b ? tf.add(y, b) : y;
  };
  const maxPool = (x: tf.Tensor4D, g: ref.Pool2dGeometry) => {
    const { pad, rounding } = poolArgs(g, g.dilationH > 1 || g.dilationW > 1);
    return tf.maxPool(x, [g.kernelH, g.kernelW], [g.strideH, g.strideW], pad as never, rounding);
  };
  const avgPool = (x: tf.Tensor4D, g: ref.Pool2dGeometry) => {
    const { pad, rounding } = poolArgs(g, false);
    return tf.avgPool(x, [g.kernelH, g.kernelW], [g.strideH, g.strideW], pad as never, rounding);
  };
  /** Gradient of a scalar-free op: d/dx of sum(f(x) * dy). */
  const vjp = (f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], dy: tf.Tensor) => tf.grads(f)(inputs, dy);

  return {
    name: NAME,
    async conv2d(x, w, b, o = {}) {
      const g = checkConv2d('conv2d', x, w, b, o);
      return read(tf.tidy(() => conv(nhwc(x) as tf.Tensor4D, filterOf(w) as tf.Tensor4D, b && (tensorOf(b) as tf.Tensor1D), g)));
    },
    async conv2dBackward(dy, x, w, o = {}) {
      const g = checkConv2dBackward(dy, x, w, o);
      if (g.dilationH > 1 || g.dilationW > 1) throw new UnsupportedOptionError(NAME, 'conv2d gradients with dilation > 1 (tfjs: "not yet supported in gradients")');
      const [dx, dwNhwc, db] = tf.tidy(() => {
        const bias = tf.zeros([g.outChannels]);
        const grads = vjp((xi, wi, bi) => conv(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D, g), [nhwc(x), filterOf(w), bias], nhwc(dy));
        return [grads[0], tf.transpose(grads[1], [3, 2, 0, 1]), grads[2]];
      });
      return { dx: await read(dx), dw: await read(dwNhwc, false), db: await read(db) };
    },
    async maxPool2d(x, o) {
      const g = checkMaxPool2d('maxPool2d', x, o);
      return read(tf.tidy(() => maxPool(nhwc(x) as tf.Tensor4D, g)));
    },
    async maxPool2dBackward(dy, x, o) {
      const g = checkMaxPool2dBackward(dy, x, o);
      return { dx: await read(tf.tidy(() => vjp((xi) => maxPool(xi as tf.Tensor4D, g), [nhwc(x)], nhwc(dy))[0])) };
    },
    async avgPool2d(x, o) {
      const g = checkAvgPool2d('avgPool2d', x, o);
      return read(tf.tidy(() => avgPool(nhwc(x) as tf.Tensor4D, g)));
    },
    async avgPool2dBackward(dy, x, o) {
      const g = checkAvgPool2dBackward(dy, x, o);
      return { dx: await read(tf.tidy(() => vjp((xi) => avgPool(xi as tf.Tensor4D, g), [nhwc(x)], nhwc(dy))[0])) };
    },
    async matmul(A, B) {
      checkMatmul(A, B);
      return read(tf.tidy(() => tf.matMul(tensorOf(A) as tf.Tensor2D, tensorOf(B) as tf.Tensor2D)));
    },
    async linear(x, w, b) {
      checkLinear('linear', x, w, b);
      return read(tf.tidy(() => {
        const y = tf.matMul(tensorOf(x) as tf.Tensor2D, tensorOf(w) as tf.Tensor2D, false, true);
        return b ? tf.add(y, tensorOf(b)) : y;
      }));
    },
    async linearBackward(dy, x, w) {
      checkLinearBackward(dy, x, w);
      const [dx, dw, db] = tf.tidy(() =>
        vjp((xi, wi, bi) => tf.add(tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D, false, true), bi), [tensorOf(x), tensorOf(w), tf.zeros([w.shape[0]])], tensorOf(dy)),
      );
      return { dx: await read(dx), dw: await read(dw), db: await read(db) };
    },
    async flatten(x) {
      const shape = ref.flatten(x).shape;
      return read(tf.tidy(() => tf.reshape(tensorOf(x), [...shape])));
    },
    async flattenBackward(dy, inputShape) {
      const { dx } = ref.flattenBackward(dy, inputShape);
      return { dx: await read(tf.tidy(() => tf.reshape(tensorOf(dy), [...dx.shape])), false) };
    },
    async sigmoid(x) {
      ref.sigmoid(x); // validation
      return read(tf.tidy(() => tf.sigmoid(tensorOf(x))), false);
    },
    async sigmoidBackward(dy, y) {
      ref.sigmoidBackward(dy, y);
      return { dx: await read(tf.tidy(() => { const yt = tensorOf(y); return tf.mul(tensorOf(dy), tf.mul(yt, tf.sub(1, yt))); }), false) };
    },
    async relu(x) {
      ref.relu(x);
      return read(tf.tidy(() => tf.relu(tensorOf(x))), false);
    },
    async reluBackward(dy, x) {
      ref.reluBackward(dy, x);
      return { dx: await read(tf.tidy(() => tf.mul(tensorOf(dy), tf.step(tensorOf(x)))), false) };
    },
    async softmax(x) {
      ref.softmax(x);
      return read(tf.tidy(() => tf.softmax(tensorOf(x))), false);
    },
    async softmaxBackward(dy, y) {
      ref.softmaxBackward(dy, y);
      return { dx: await read(tf.tidy(() => { const yt = tensorOf(y); const d = tensorOf(dy); return tf.mul(yt, tf.sub(d, tf.sum(tf.mul(d, yt), -1, true))); }), false) };
    },
    async logSoftmax(x) {
      ref.logSoftmax(x);
      return read(tf.tidy(() => tf.logSoftmax(tensorOf(x))), false);
    },
    async logSoftmaxBackward(dy, y) {
      ref.logSoftmaxBackward(dy, y);
      return { dx: await read(tf.tidy(() => { const d = tensorOf(dy); return tf.sub(d, tf.mul(tf.exp(tensorOf(y)), tf.sum(d, -1, true))); }), false) };
    },
    async crossEntropy(logits, labels) {
      assertLabels('crossEntropy', logits, labels);
      declineSingleClass(logits);
      const t = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels as number[], logits.shape[1]), tensorOf(logits)));
      return (await read(t, false)).data[0];
    },
    async crossEntropyBackward(logits, labels) {
      assertLabels('crossEntropyBackward', logits, labels);
      declineSingleClass(logits);
      const g = tf.tidy(() => {
        const target = tf.oneHot(labels as number[], logits.shape[1]);
        return tf.grad((l) => tf.losses.softmaxCrossEntropy(target, l))(tensorOf(logits));
      });
      return { dlogits: await read(g, false) };
    },
    async accuracy(logits, labels) {
      assertLabels('accuracy', logits, labels);
      const predicted = await read(tf.tidy(() => tf.cast(tf.argMax(tensorOf(logits), -1), 'float32')), false);
      let hits = 0;
      predicted.data.forEach((p, i) => { hits += p === labels[i] ? 1 : 0; });
      return hits / labels.length;
    },
    async sgd(params, grads, lr) {
      checkSgd(params, grads, lr);
      for (let i = 0; i < params.length; i++) {
        const updated = await read(tf.tidy(() => tf.sub(tensorOf(params[i]), tf.mul(lr, tensorOf(grads[i])))), false);
        params[i].data.set(updated.data);
      }
    },
    dispose: () => tf.disposeVariables(),
  };
}
