// The TF.js baseline's models: the MLP, the CNN and their training pieces, initialized as PyTorch's.

import type * as TfCore from '@tensorflow/tfjs-core';

export type Tf = typeof TfCore;
export type Tensor2D = TfCore.Tensor2D;

// ------------------------------------------------------------------ models

interface DenseParams {
  weight: TfCore.Variable; // in x out, so the forward pass is matMul(x, weight)
  bias: TfCore.Variable;
}

/** nn.Linear's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias. */
export function denseParams(tf: Tf, inFeatures: number, outFeatures: number, seed: number): DenseParams {
  const bound = 1 / Math.sqrt(inFeatures);
  return {
    weight: tf.variable(tf.randomUniform([inFeatures, outFeatures], -bound, bound, 'float32', seed)),
    bias: tf.variable(tf.randomUniform([outFeatures], -bound, bound, 'float32', seed + 1)),
  };
}

export function makeMlp(tf: Tf, seed: number): DenseParams[] {
  return [denseParams(tf, 784, 512, seed), denseParams(tf, 512, 512, seed + 2), denseParams(tf, 512, 10, seed + 4)];
}

export function mlpForward(tf: Tf, layers: DenseParams[], x: Tensor2D): Tensor2D {
  let h = x;
  layers.forEach(({ weight, bias }, i) => {
    h = tf.add(tf.matMul(h, weight), bias);
    if (i < layers.length - 1) h = tf.relu(h);
  });
  return h;
}

/** Sums `dy` over the axes that broadcasting expanded, back to `shape`. */
function unbroadcast(tf: Tf, dy: TfCore.Tensor, shape: number[]): TfCore.Tensor {
  const offset = dy.rank - shape.length;
  const axes = dy.shape.map((_, i) => i).filter((i) => i < offset || (shape[i - offset] === 1 && dy.shape[i] !== 1));
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape);
}

/**
 * tfjs-core's Node bundle registers no gradients: the @tensorflow/tfjs umbrella
 * package adds them from ESM-only files, and it is not a dependency here. So the
 * three kernels on the MLP's trainable path get theirs here (standard calculus,
 * the same products the umbrella package would run).
 */
export function registerMlpGradients(tf: Tf): void {
  const configs: TfCore.GradConfig[] = [
    {
      kernelName: 'BatchMatMul',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, [a, b], attrs) => {
        if (attrs.transposeA || attrs.transposeB) throw new Error('only untransposed matMul is differentiated here');
        return {
          a: () => tf.matMul(dy as TfCore.Tensor, b, false, true),
          b: () => tf.matMul(a, dy as TfCore.Tensor, true, false),
        };
      },
    },
    {
      kernelName: 'Add',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, [a, b]) => ({
        a: () => unbroadcast(tf, dy as TfCore.Tensor, a.shape),
        b: () => unbroadcast(tf, dy as TfCore.Tensor, b.shape),
      }),
    },
    {
      kernelName: 'Relu',
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as TfCore.Tensor, tf.step(x)) }),
    },
  ];
  for (const config of configs) {
    if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
  }
}

/**
 * The gradients the CNN adds to the MLP's (Conv2D, MaxPool, Reshape). The wasm backend has no
 * Conv2DBackpropFilter kernel, so tfjs-core's own Conv2D gradient cannot run on it; and its
 * Conv2DBackpropInput is a plain loop, 4-8x slower than its XNNPACK convolution. So both are
 * written as forward convolutions (stride 1, 'same', odd square kernels only; the CNN has
 * nothing else), the fastest of the ways tried:
 * - dx: the convolution of dy with the filter flipped in space and transposed in channels;
 * - dfilter: the convolution of x, transposed to [C, H, W, N] (a batch of C images of N
 *   channels), with dy transposed to [H, W, N, F] as the filter, padded by (k-1)/2: it gives
 *   [C, k, k, F] (1.3-10x faster here than im2col + matMul).
 */
export function registerCnnGradients(tf: Tf): void {
  registerMlpGradients(tf);
  const configs: TfCore.GradConfig[] = [
    {
      kernelName: 'Conv2D',
      inputsToSave: ['x', 'filter'],
      gradFunc: (dy, [x, filter], attrs) => {
        const [kh, kw] = filter.shape;
        const strides = attrs.strides as number | [number, number];
        const dilations = (attrs.dilations ?? 1) as number | [number, number];
        const ones = (v: number | [number, number]): boolean => (Array.isArray(v) ? v.every((s) => s === 1) : v === 1);
        if (attrs.pad !== 'same' || !ones(strides) || !ones(dilations) || kh !== kw || kh % 2 !== 1 || attrs.dataFormat !== 'NHWC') {
          throw new Error('only stride-1, same-padded, odd square NHWC convolutions are differentiated here');
        }
        const g = dy as TfCore.Tensor4D;
        const p = (kh - 1) / 2;
        return {
          x: () => tf.conv2d(g, tf.transpose(tf.reverse(filter as TfCore.Tensor4D, [0, 1]), [0, 1, 3, 2]), 1, 'same'),
          filter: () =>
            tf.transpose(
              tf.conv2d(tf.transpose(x as TfCore.Tensor4D, [3, 1, 2, 0]), tf.transpose(g, [1, 2, 0, 3]), 1, [[0, 0], [p, p], [p, p], [0, 0]]),
              [1, 2, 0, 3],
            ),
        };
      },
    },
    {
      kernelName: 'MaxPool',
      inputsToSave: ['x'],
      outputsToSave: [true],
      gradFunc: (dy, [x, y], attrs) => ({
        x: () =>
          tf.engine().runKernel('MaxPoolGrad', { dy: dy as TfCore.Tensor, input: x, output: y }, {
            filterSize: attrs.filterSize,
            strides: attrs.strides,
            pad: attrs.pad,
            dimRoundingMode: attrs.dimRoundingMode,
          } as unknown as TfCore.NamedAttrMap) as TfCore.Tensor,
      }),
    },
    {
      kernelName: 'Reshape',
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy as TfCore.Tensor, x.shape) }),
    },
  ];
  for (const config of configs) {
    if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
  }
}

/** A convolution without bias followed by batch norm's scale and shift (as midl's CNN unit). */
interface ConvParams {
  filter: TfCore.Variable; // kh x kw x in x out (TF.js's layout)
  gamma: TfCore.Variable;
  beta: TfCore.Variable;
}

/** nn.Conv2d's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in * k * k; batch norm's 1 and 0. */
function convParams(tf: Tf, inChannels: number, outChannels: number, k: number, seed: number): ConvParams {
  const bound = 1 / Math.sqrt(inChannels * k * k);
  return {
    filter: tf.variable(tf.randomUniform([k, k, inChannels, outChannels], -bound, bound, 'float32', seed)),
    gamma: tf.variable(tf.ones([outChannels])),
    beta: tf.variable(tf.zeros([outChannels])),
  };
}

/** midl's buildModel('cifar10', [3, 32, 32], 10, {variant: 'dense'}): the study's small CNN. */
interface SmallCnn {
  convs: ConvParams[];
  head: DenseParams[];
}

export function makeSmallCnn(tf: Tf, seed: number): SmallCnn {
  return {
    convs: [convParams(tf, 3, 32, 3, seed), convParams(tf, 32, 32, 3, seed + 2), convParams(tf, 32, 64, 3, seed + 4), convParams(tf, 64, 64, 3, seed + 6)],
    head: [denseParams(tf, 64 * 8 * 8, 512, seed + 8), denseParams(tf, 512, 10, seed + 10)],
  };
}

export function smallCnnVariables(model: SmallCnn): TfCore.Variable[] {
  return [...model.convs.flatMap(({ filter, gamma, beta }) => [filter, gamma, beta]), ...model.head.flatMap(({ weight, bias }) => [weight, bias])];
}

/**
 * conv3x3-batchnorm-ReLU twice, maxpool 2, twice (pad 1), flatten, 4096 -> 512 ReLU -> 10.
 * NHWC, so the flatten orders the 4096 features (h, w, c) where midl's NCHW has (c, h, w):
 * the same model up to a fixed permutation of the first dense layer's inputs. Batch norm
 * always normalizes with the batch's statistics (no running averages): the same work per
 * training step as midl's, and test batches of 500 estimate the statistics well enough for
 * the accuracy this benchmark prints beside its time.
 */
export function smallCnnForward(tf: Tf, model: SmallCnn, x: TfCore.Tensor4D): Tensor2D {
  let h = x;
  model.convs.forEach(({ filter, gamma, beta }, i) => {
    const conv = tf.conv2d(h, filter as TfCore.Tensor4D, 1, 'same');
    h = tf.relu(batchNormTraining(tf)(conv, gamma, beta)) as TfCore.Tensor4D;
    if (i % 2 === 1) h = tf.maxPool(h, 2, 2, 'valid');
  });
  return mlpForward(tf, model.head, tf.reshape(h, [h.shape[0], -1]));
}

/**
 * Batch norm over NHWC channels with the batch's statistics, eps 1e-5, and its backward pass
 * written out (the wasm backend's gradients for the fused kernel and for the elementwise ops
 * it would take are not registered here):
 * dx = gamma * invstd / N * (N dy - sum(dy) - xhat * sum(dy * xhat)).
 */
function batchNormTraining(tf: Tf): (x: TfCore.Tensor, gamma: TfCore.Tensor, beta: TfCore.Tensor) => TfCore.Tensor {
  return tf.customGrad((x, gamma, beta, save) => {
    const axes = [0, 1, 2];
    const { mean, variance } = tf.moments(x as TfCore.Tensor, axes);
    const invstd = tf.rsqrt(tf.add(variance, 1e-5));
    const xhat = tf.mul(tf.sub(x as TfCore.Tensor, mean), invstd);
    (save as TfCore.GradSaveFunc)([xhat, invstd, gamma as TfCore.Tensor]);
    return {
      value: tf.add(tf.mul(xhat, gamma as TfCore.Tensor), beta as TfCore.Tensor),
      gradFunc: (dy, [xh, inv, g]) => {
        const n = xh.size / xh.shape[xh.shape.length - 1];
        const d = dy as TfCore.Tensor;
        const sumDy = tf.sum(d, axes);
        const sumDyXhat = tf.sum(tf.mul(d, xh), axes);
        const dx = tf.mul(tf.div(tf.mul(g, inv), n), tf.sub(tf.sub(tf.mul(d, n), sumDy), tf.mul(xh, sumDyXhat)));
        return [dx, sumDyXhat, sumDy];
      },
    };
  }) as (x: TfCore.Tensor, gamma: TfCore.Tensor, beta: TfCore.Tensor) => TfCore.Tensor;
}

/** Mean softmax cross-entropy over the batch, with the fused gradient (softmax - labels) / B. */
export function meanSoftmaxCrossEntropy(tf: Tf): (logits: TfCore.Tensor, oneHotLabels: TfCore.Tensor) => TfCore.Scalar {
  return tf.customGrad((logits, oneHotLabels, save) => {
    const logProbs = tf.logSoftmax(logits as TfCore.Tensor);
    (save as TfCore.GradSaveFunc)([tf.exp(logProbs), oneHotLabels as TfCore.Tensor]);
    const batch = (logits as TfCore.Tensor).shape[0];
    return {
      value: tf.div(tf.neg(tf.sum(tf.mul(oneHotLabels as TfCore.Tensor, logProbs))), batch) as TfCore.Scalar,
      gradFunc: (dy, [probs, labels]) => [tf.mul(dy, tf.div(tf.sub(probs, labels), batch)), tf.zerosLike(labels)],
    };
  }) as (logits: TfCore.Tensor, oneHotLabels: TfCore.Tensor) => TfCore.Scalar;
}
