// The TF.js baseline's tasks, one per BaselineTask (bench/compare.ts).

import type * as TfCore from '@tensorflow/tfjs-core';
import {
  extrapolatedEpochSeconds,
  type BaselineConfig,
  type CnnEpochResult,
  type GemmResult,
  type MidlLayerResult,
  type MlpEpochResult,
  type MlpInferResult,
} from '../compare.js';
import { median, percentile, timeRuns } from './timing.js';
import {
  DEFAULT_DATA_DIR,
  DEFAULT_CIFAR10_DIR,
  loadMnist,
  seededPermutation,
  CIFAR_PIXELS,
  loadCifar10,
} from './data.js';
import {
  type Tf,
  type Tensor2D,
  denseParams,
  makeMlp,
  mlpForward,
  registerMlpGradients,
  registerCnnGradients,
  makeSmallCnn,
  smallCnnVariables,
  smallCnnForward,
  meanSoftmaxCrossEntropy,
} from './models.js';

export function taskGemm(tf: Tf, cfg: BaselineConfig): Omit<GemmResult, 'task'> {
  const shapes = cfg.shapes ?? [[256, 1024, 784], [128, 512, 784]];
  const reps = cfg.reps ?? 50;
  const results = shapes.map(([m, n, k]) => {
    const a = tf.randomNormal([m, k], 0, 1, 'float32', 1);
    const b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
    // The wasm backend runs a kernel synchronously inside the op call, so
    // timing the call (plus dispose) times the product itself.
    const times = timeRuns(() => tf.matMul(a, b).dispose(), reps, 5);
    tf.dispose([a, b]);
    const medianMs = median(times);
    return { m, n, k, reps, medianMs, gflops: (2 * m * n * k) / medianMs / 1e6 };
  });
  return { results };
}

export function taskMlpEpoch(tf: Tf, cfg: BaselineConfig): Omit<MlpEpochResult, 'task'> {
  const seed = cfg.seed ?? 1234;
  const batchSize = cfg.batchSize ?? 128;
  const loadStart = performance.now();
  const train = loadMnist(cfg.dataDir ?? DEFAULT_DATA_DIR, 'train');
  const test = loadMnist(cfg.dataDir ?? DEFAULT_DATA_DIR, 'test');
  const xTrain = tf.tensor2d(train.images, [train.count, 784]);
  const yTrain = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10), 'float32'));
  const loadSeconds = (performance.now() - loadStart) / 1e3;

  registerMlpGradients(tf);
  const crossEntropy = meanSoftmaxCrossEntropy(tf);
  const layers = makeMlp(tf, seed);
  const variables = layers.flatMap(({ weight, bias }) => [weight, bias]);
  const optimizer = tf.train.adam(cfg.lr ?? 1e-3);
  const order = seededPermutation(train.count, seed);

  let lossSum = 0;
  let batches = 0;
  const start = performance.now();
  for (let first = 0; first < train.count; first += batchSize) {
    const indices = tf.tensor1d(order.subarray(first, first + batchSize), 'int32');
    const loss = optimizer.minimize(
      () => {
        const logits = mlpForward(tf, layers, tf.gather(xTrain, indices));
        return crossEntropy(logits, tf.gather(yTrain, indices));
      },
      true,
      variables,
    );
    lossSum += loss!.dataSync()[0];
    tf.dispose([loss!, indices]);
    batches++;
  }
  const epochSeconds = (performance.now() - start) / 1e3;

  const predicted = tf.tidy(() =>
    tf.argMax(mlpForward(tf, layers, tf.tensor2d(test.images, [test.count, 784])), 1).dataSync(),
  );
  let correct = 0;
  for (let i = 0; i < test.count; i++) if (predicted[i] === test.labels[i]) correct++;
  return {
    epochSeconds,
    batches,
    batchSize,
    trainExamples: train.count,
    meanTrainLoss: lossSum / batches,
    testAccuracy: correct / test.count,
    loadSeconds,
    seed,
  };
}

/**
 * One epoch of the study's CNN on CIFAR-10, batch 128, Adam. Single-threaded wasm is slow on
 * convolutions: after `probeBatches` [10] batches, if the projected epoch is longer than
 * `budgetSeconds` [180], it stops there and extrapolates (`extrapolated: true`).
 */
export function taskCnnEpoch(tf: Tf, cfg: BaselineConfig): Omit<CnnEpochResult, 'task'> {
  const seed = cfg.seed ?? 1234;
  const batchSize = cfg.batchSize ?? 128;
  const budgetSeconds = cfg.budgetSeconds ?? 180;
  const probeBatches = cfg.probeBatches ?? 10;
  const loadStart = performance.now();
  const { train, test, stats } = loadCifar10(cfg.cifar10Dir ?? DEFAULT_CIFAR10_DIR);
  const xTrain = tf.tensor4d(train.images, [train.count, 32, 32, 3]);
  const yTrain = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10), 'float32'));
  const loadSeconds = (performance.now() - loadStart) / 1e3;

  registerCnnGradients(tf);
  const crossEntropy = meanSoftmaxCrossEntropy(tf);
  const model = makeSmallCnn(tf, seed);
  const variables = smallCnnVariables(model);
  const optimizer = tf.train.adam(cfg.lr ?? 1e-3);
  const order = seededPermutation(train.count, seed);
  const batches = Math.ceil(train.count / batchSize);
  const maxBatches = Math.min(batches, cfg.maxBatches ?? batches);

  let lossSum = 0;
  const batchSeconds: number[] = [];
  const batchSizes: number[] = [];
  for (let first = 0; first < train.count && batchSeconds.length < maxBatches; first += batchSize) {
    const start = performance.now();
    const indices = tf.tensor1d(order.subarray(first, first + batchSize), 'int32');
    const loss = optimizer.minimize(
      () => crossEntropy(smallCnnForward(tf, model, tf.gather(xTrain, indices)), tf.gather(yTrain, indices)),
      true,
      variables,
    );
    lossSum += loss!.dataSync()[0];
    tf.dispose([loss!, indices]);
    batchSeconds.push((performance.now() - start) / 1e3);
    batchSizes.push(Math.min(batchSize, train.count - first));
    if (
      batchSeconds.length === probeBatches && budgetSeconds > 0 &&
      extrapolatedEpochSeconds(batchSeconds, batchSizes, train.count) > budgetSeconds
    ) {
      break;
    }
  }
  const timedBatches = batchSeconds.length;
  const epochSeconds = extrapolatedEpochSeconds(batchSeconds, batchSizes, train.count);
  tf.dispose([xTrain, yTrain]);

  let correct = 0;
  for (let first = 0; first < test.count; first += 500) {
    const n = Math.min(500, test.count - first);
    const predicted = tf.tidy(() =>
      tf.argMax(smallCnnForward(tf, model, tf.tensor4d(test.images.subarray(first * CIFAR_PIXELS, (first + n) * CIFAR_PIXELS), [n, 32, 32, 3])), 1).dataSync(),
    );
    for (let i = 0; i < n; i++) if (predicted[i] === test.labels[first + i]) correct++;
  }
  return {
    epochSeconds,
    imagesPerSecond: train.count / epochSeconds,
    extrapolated: timedBatches < batches,
    batches,
    timedBatches,
    timedSeconds: batchSeconds.reduce((a, b) => a + b, 0),
    firstBatchSeconds: batchSeconds[0],
    batchSize,
    trainExamples: train.count,
    meanTrainLoss: lossSum / timedBatches,
    testAccuracy: correct / test.count,
    testExamples: test.count,
    channelMean: stats.mean,
    channelStd: stats.std,
    layout: 'NHWC',
    loadSeconds,
    seed,
  };
}

export function taskMlpInfer(tf: Tf, cfg: BaselineConfig): Omit<MlpInferResult, 'task'> {
  const test = loadMnist(cfg.dataDir ?? DEFAULT_DATA_DIR, 'test');
  const layers = makeMlp(tf, cfg.seed ?? 1234);
  const runsByBatch = cfg.runs ?? { 1: 2000, 256: 200 };
  const results = Object.entries(runsByBatch).map(([batchText, runs]) => {
    const batch = Number(batchText);
    const inputs: Tensor2D[] = [];
    for (let first = 0; first + batch <= test.count; first += batch) {
      inputs.push(tf.tensor2d(test.images.subarray(first * 784, (first + batch) * 784), [batch, 784]));
    }
    let cursor = 0;
    // dataSync: a JS caller needs the outputs, and it is how the work is awaited.
    const infer = () => tf.tidy(() => mlpForward(tf, layers, inputs[cursor++ % inputs.length])).dataSync();
    const times = timeRuns(infer, runs, Math.max(20, Math.floor(runs / 10)));
    tf.dispose(inputs);
    return { batch, runs, medianUs: median(times) * 1e3, p95Us: percentile(times, 0.95) * 1e3 };
  });
  return { results };
}

/** docs/method.md section 2: largest r with r*(d + 2n) <= n*d/8, clamped to [8, min(d, n)]. */
function defaultRank(d: number, n: number): number {
  return Math.max(8, Math.min(Math.min(d, n), Math.floor(Math.floor((n * d) / 8) / (d + 2 * n))));
}

export function taskMidlLayer(tf: Tf, cfg: BaselineConfig): Omit<MidlLayerResult, 'task'> {
  const d = cfg.inFeatures ?? 784;
  const n = cfg.outFeatures ?? 512;
  const keep = cfg.keep ?? 0.45;
  const k = Math.max(1, Math.round(keep * n));
  const rank = cfg.rank ?? defaultRank(d, n);
  const seed = cfg.seed ?? 1234;
  const full = denseParams(tf, d, n, seed);
  const projection = denseParams(tf, d, rank, seed + 2).weight;
  const gate = denseParams(tf, rank, n, seed + 4);
  const light = denseParams(tf, rank, n, seed + 6);
  const test = loadMnist(cfg.dataDir ?? DEFAULT_DATA_DIR, 'test');

  // Dense-then-mask, as a direct TF.js port would do it. The mask keeps gates at
  // or above the k-th largest: topk + oneHot would build a B x k x n tensor.
  const midlForward = (x: Tensor2D): TfCore.Tensor => {
    const z = tf.matMul(x, projection);
    const alpha = tf.sigmoid(tf.add(tf.matMul(z, gate.weight), gate.bias));
    const lightOut = tf.add(tf.matMul(z, light.weight), light.bias);
    const kth = tf.slice(tf.topk(alpha, k).values, [0, k - 1], [-1, 1]);
    const a = tf.mul(alpha, tf.cast(tf.greaterEqual(alpha, kth), 'float32'));
    const fullOut = tf.add(tf.matMul(x, full.weight), full.bias);
    return tf.relu(tf.add(tf.mul(a, fullOut), tf.mul(tf.sub(1, a), lightOut)));
  };
  const linearForward = (x: Tensor2D): TfCore.Tensor => tf.relu(tf.add(tf.matMul(x, full.weight), full.bias));

  const runsByBatch = cfg.runs ?? { 1: 2000, 8: 1000, 64: 300, 256: 200 };
  const results = Object.entries(runsByBatch).map(([batchText, runs]) => {
    const batch = Number(batchText);
    const x = tf.tensor2d(test.images.subarray(0, batch * 784), [batch, 784]);
    const warmup = Math.max(20, Math.floor(runs / 10));
    const midl = timeRuns(() => tf.tidy(() => midlForward(x)).dataSync(), runs, warmup);
    const dense = timeRuns(() => tf.tidy(() => linearForward(x)).dataSync(), runs, warmup);
    x.dispose();
    return {
      batch,
      runs,
      midlMedianMs: median(midl),
      midlP95Ms: percentile(midl, 0.95),
      linearMedianMs: median(dense),
      linearP95Ms: percentile(dense, 0.95),
    };
  });
  return { inFeatures: d, outFeatures: n, keep, k, rank, variant: 'dense-then-mask', results };
}
