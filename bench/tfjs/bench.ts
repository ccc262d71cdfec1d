// TensorFlow.js (wasm backend) baseline for `npm run bench`.
//
// Usage: node dist/bench/tfjs/bench.js '<json config>'   (or the JSON on stdin)
// Runs one task (see bench/compare.ts for the config and result shapes) and
// prints exactly one JSON object on stdout; {"unavailable": "..."} when the
// TF.js packages cannot be loaded.
//
// Backend notes (tfjs 4.22 in Node): the wasm binaries are found next to the
// package's own dist/ file without setWasmPaths. tfjs-backend-wasm hard-codes
// "no multithreading" under Node (its threaded build needs blob: workers, which
// Node's Worker rejects), so the SIMD single-threaded binary is what runs.

import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type * as TfCore from '@tensorflow/tfjs-core';
import { channelStats, type ChannelStats } from '../../src/data/images.js';
import {
  extrapolatedEpochSeconds,
  type BaselineConfig,
  type BaselineTask,
  type CnnEpochResult,
  type GemmResult,
  type MidlLayerResult,
  type MlpEpochResult,
  type MlpInferResult,
  type TfjsRuntime,
} from '../compare.js';

type Tf = typeof TfCore;
type Tensor2D = TfCore.Tensor2D;

const DEFAULT_DATA_DIR = '/work/shared/data/mnist';
const DEFAULT_CIFAR10_DIR = '/work/shared/data/cifar-10/cifar-10-batches-bin';
const MNIST_MEAN = 0.1307;
const MNIST_STD = 0.3081;

async function readConfig(): Promise<BaselineConfig & { task?: BaselineTask | 'info' }> {
  let text = process.argv[2];
  if (text === undefined) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  return text.trim() === '' ? {} : JSON.parse(text);
}

// ------------------------------------------------------------------ timing

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile, the same definition bench.py uses. */
function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Per-call wall times in milliseconds, after `warmup` untimed calls. */
function timeRuns(fn: () => void, runs: number, warmup: number): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return times;
}

// ------------------------------------------------------------------ MNIST (IDX)

interface MnistSplit {
  /** count x 784, scaled to [0,1] then normalized with the usual MNIST mean/std */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

function readIdx(path: string): { dims: number[]; data: Uint8Array } {
  const raw = gunzipSync(readFileSync(path));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0);
  if (magic >> 8 !== 0x08) {
    throw new Error(`${path}: not an unsigned-byte IDX file (magic 0x${magic.toString(16)})`);
  }
  const dims = Array.from({ length: magic & 0xff }, (_, i) => view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * dims.length;
  const size = dims.reduce((a, b) => a * b, 1);
  if (raw.byteLength - offset !== size) {
    throw new Error(`${path}: ${raw.byteLength - offset} bytes of data, header says ${dims.join('x')}`);
  }
  return { dims, data: raw.subarray(offset) };
}

function loadMnist(dataDir: string, split: 'train' | 'test'): MnistSplit {
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = readIdx(join(dataDir, `${prefix}-images-idx3-ubyte.gz`));
  const labels = readIdx(join(dataDir, `${prefix}-labels-idx1-ubyte.gz`));
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = (images.data[i] / 255 - MNIST_MEAN) / MNIST_STD;
  }
  return { images: pixels, labels: labels.data, count: images.dims[0] };
}

/** Fisher-Yates over 0..n-1 driven by a 32-bit LCG: reproducible for a seed, nothing more. */
function seededPermutation(n: number, seed: number): Int32Array {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

// ------------------------------------------------------------------ CIFAR-10 (binary)

const CIFAR_PLANE = 32 * 32;
const CIFAR_PIXELS = 3 * CIFAR_PLANE;

interface CifarRaw {
  /** count x 3 x 32 x 32 bytes, as stored (CHW) */
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32x32), files in order. */
function readCifar10Records(files: string[]): CifarRaw {
  const record = 1 + CIFAR_PIXELS;
  const buffers = files.map((file) => {
    const buf = readFileSync(file);
    if (buf.length === 0 || buf.length % record !== 0) {
      throw new Error(`${file}: size ${buf.length} is not a multiple of the ${record}-byte record`);
    }
    return buf;
  });
  const count = buffers.reduce((n, b) => n + b.length / record, 0);
  const pixels = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const buf of buffers) {
    for (let offset = 0; offset < buf.length; offset += record, n++) {
      labels[n] = buf[offset];
      pixels.set(buf.subarray(offset + 1, offset + record), n * CIFAR_PIXELS);
    }
  }
  return { pixels, labels, count };
}

/**
 * The per-channel statistics the other sides use, from midl's own preprocessing code
 * (src/data/images.ts), so the three sides train on bit-identical inputs.
 */
function cifarChannelStats(raw: CifarRaw): ChannelStats {
  return channelStats({ pixels: raw.pixels, labels: Int32Array.from(raw.labels), count: raw.count, shape: [3, 32, 32] });
}

function cifarNormalizeNhwc(raw: CifarRaw, stats: ChannelStats): Float32Array {
  const tables = stats.mean.map((m, c) => Float32Array.from({ length: 256 }, (_, v) => (v / 255 - m) / stats.std[c]));
  const out = new Float32Array(raw.count * CIFAR_PIXELS);
  for (let n = 0; n < raw.count; n++) {
    for (let c = 0; c < 3; c++) {
      const table = tables[c];
      const from = n * CIFAR_PIXELS + c * CIFAR_PLANE;
      for (let i = 0; i < CIFAR_PLANE; i++) out[n * CIFAR_PIXELS + i * 3 + c] = table[raw.pixels[from + i]];
    }
  }
  return out;
}

/** The training batches present (data_batch_1.bin..5) and test_batch.bin, as midl's loadDataset('cifar10'). */
function loadCifar10(dir: string) {
  const trainFiles = [1, 2, 3, 4, 5].map((i) => join(dir, `data_batch_${i}.bin`)).filter((f) => existsSync(f));
  if (trainFiles.length === 0) throw new Error(`${dir}: no CIFAR-10 training batch (data_batch_1.bin..data_batch_5.bin)`);
  const train = readCifar10Records(trainFiles);
  const test = readCifar10Records([join(dir, 'test_batch.bin')]);
  const stats = cifarChannelStats(train);
  return {
    train: { images: cifarNormalizeNhwc(train, stats), labels: train.labels, count: train.count },
    test: { images: cifarNormalizeNhwc(test, stats), labels: test.labels, count: test.count },
    stats,
  };
}

// ------------------------------------------------------------------ models

interface DenseParams {
  weight: TfCore.Variable; // in x out, so the forward pass is matMul(x, weight)
  bias: TfCore.Variable;
}

/** nn.Linear's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias. */
function denseParams(tf: Tf, inFeatures: number, outFeatures: number, seed: number): DenseParams {
  const bound = 1 / Math.sqrt(inFeatures);
  return {
    weight: tf.variable(tf.randomUniform([inFeatures, outFeatures], -bound, bound, 'float32', seed)),
    bias: tf.variable(tf.randomUniform([outFeatures], -bound, bound, 'float32', seed + 1)),
  };
}

function makeMlp(tf: Tf, seed: number): DenseParams[] {
  return [denseParams(tf, 784, 512, seed), denseParams(tf, 512, 512, seed + 2), denseParams(tf, 512, 10, seed + 4)];
}

function mlpForward(tf: Tf, layers: DenseParams[], x: Tensor2D): Tensor2D {
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
function registerMlpGradients(tf: Tf): void {
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
function registerCnnGradients(tf: Tf): void {
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

interface ConvParams {
  filter: TfCore.Variable; // kh x kw x in x out (TF.js's layout)
  bias: TfCore.Variable;
}

/** nn.Conv2d's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in * k * k, for filter and bias. */
function convParams(tf: Tf, inChannels: number, outChannels: number, k: number, seed: number): ConvParams {
  const bound = 1 / Math.sqrt(inChannels * k * k);
  return {
    filter: tf.variable(tf.randomUniform([k, k, inChannels, outChannels], -bound, bound, 'float32', seed)),
    bias: tf.variable(tf.randomUniform([outChannels], -bound, bound, 'float32', seed + 1)),
  };
}

/** midl's buildModel('cifar10', [3, 32, 32], 10, {variant: 'dense'}): the study's small CNN. */
interface SmallCnn {
  convs: ConvParams[];
  head: DenseParams[];
}

function makeSmallCnn(tf: Tf, seed: number): SmallCnn {
  return {
    convs: [convParams(tf, 3, 32, 3, seed), convParams(tf, 32, 32, 3, seed + 2), convParams(tf, 32, 64, 3, seed + 4), convParams(tf, 64, 64, 3, seed + 6)],
    head: [denseParams(tf, 64 * 8 * 8, 512, seed + 8), denseParams(tf, 512, 10, seed + 10)],
  };
}

function smallCnnVariables(model: SmallCnn): TfCore.Variable[] {
  return [...model.convs.flatMap(({ filter, bias }) => [filter, bias]), ...model.head.flatMap(({ weight, bias }) => [weight, bias])];
}

/**
 * conv3x3-ReLU, conv3x3-ReLU, maxpool 2, twice (pad 1), flatten, 4096 -> 512 ReLU -> 10.
 * NHWC, so the flatten orders the 4096 features (h, w, c) where midl's NCHW has (c, h, w):
 * the same model up to a fixed permutation of the first dense layer's inputs.
 */
function smallCnnForward(tf: Tf, model: SmallCnn, x: TfCore.Tensor4D): Tensor2D {
  let h = x;
  model.convs.forEach(({ filter, bias }, i) => {
    h = tf.relu(tf.add(tf.conv2d(h, filter as TfCore.Tensor4D, 1, 'same'), bias)) as TfCore.Tensor4D;
    if (i % 2 === 1) h = tf.maxPool(h, 2, 2, 'valid');
  });
  return mlpForward(tf, model.head, tf.reshape(h, [h.shape[0], -1]));
}

/** Mean softmax cross-entropy over the batch, with the fused gradient (softmax - labels) / B. */
function meanSoftmaxCrossEntropy(tf: Tf): (logits: TfCore.Tensor, oneHotLabels: TfCore.Tensor) => TfCore.Scalar {
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

// ------------------------------------------------------------------ tasks

function taskGemm(tf: Tf, cfg: BaselineConfig): Omit<GemmResult, 'task'> {
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

function taskMlpEpoch(tf: Tf, cfg: BaselineConfig): Omit<MlpEpochResult, 'task'> {
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
function taskCnnEpoch(tf: Tf, cfg: BaselineConfig): Omit<CnnEpochResult, 'task'> {
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

function taskMlpInfer(tf: Tf, cfg: BaselineConfig): Omit<MlpInferResult, 'task'> {
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

function taskMidlLayer(tf: Tf, cfg: BaselineConfig): Omit<MidlLayerResult, 'task'> {
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

// ------------------------------------------------------------------ main

async function runtimeInfo(tf: Tf, wasm: typeof import('@tensorflow/tfjs-backend-wasm')): Promise<TfjsRuntime> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
  return {
    engine: 'tfjs',
    tfjsVersion: tf.version_core,
    wasmVersion: wasm.version_wasm,
    backend: tf.getBackend(),
    wasmBinary: simd ? (multithread ? 'threaded-simd' : 'simd') : 'plain',
    threads: wasm.getThreadsCount(),
    node: process.version,
    loadAverage: loadavg(),
  };
}

async function main(): Promise<void> {
  const config = await readConfig();
  let tf: Tf;
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    tf = await import('@tensorflow/tfjs-core');
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    console.log(JSON.stringify({ unavailable: `TF.js packages not loadable: ${(err as Error).message}` }));
    return;
  }
  if (!(await tf.setBackend('wasm'))) {
    console.log(JSON.stringify({ unavailable: 'the TF.js wasm backend failed to initialize' }));
    return;
  }
  const tasks = {
    info: () => ({}),
    gemm: () => taskGemm(tf, config),
    mlp_epoch: () => taskMlpEpoch(tf, config),
    mlp_infer: () => taskMlpInfer(tf, config),
    midl_layer: () => taskMidlLayer(tf, config),
    cnn_epoch: () => taskCnnEpoch(tf, config),
  };
  const task = config.task;
  if (task === undefined || !(task in tasks)) {
    console.error(`unknown task ${JSON.stringify(task)}; expected one of ${Object.keys(tasks).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const result = tasks[task]();
  console.log(JSON.stringify({ task, runtime: await runtimeInfo(tf, wasm), ...result }));
}

await main();
