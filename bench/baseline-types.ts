// The baselines' task and result shapes: both halves (bench/pytorch/bench.py,
// bench/tfjs/bench.ts) print these (plus `runtime`), so one table can read either.

export type BaselineTask = 'gemm' | 'mlp_epoch' | 'mlp_infer' | 'midl_layer' | 'cnn_epoch';
export const BASELINE_TASKS: readonly BaselineTask[] = ['gemm', 'mlp_epoch', 'mlp_infer', 'midl_layer', 'cnn_epoch'];

/** Config passed to either half; every field is optional (defaults in brackets). */
export interface BaselineConfig {
  /** PyTorch intra-op and OpenBLAS threads [2]; TF.js in Node is single-threaded regardless */
  threads?: number;
  /** directory of the four MNIST .gz IDX files [/work/shared/data/mnist] */
  dataDir?: string;
  /** cnn_epoch: directory of CIFAR-10's binary batches: every data_batch_N.bin there, and test_batch.bin
   *  [/work/shared/data/cifar-10/cifar-10-batches-bin] */
  cifar10Dir?: string;
  /** init / shuffle seed [1234] */
  seed?: number;
  /** gemm: [M, N, K] list [[256,1024,784],[128,512,784]] */
  shapes?: [number, number, number][];
  /** gemm: timed repetitions per shape [PyTorch 200, TF.js 50] */
  reps?: number;
  /** mlp_epoch, cnn_epoch: [128] */
  batchSize?: number;
  /** mlp_epoch, cnn_epoch: Adam learning rate [1e-3] */
  lr?: number;
  /** cnn_epoch: train only this many batches and extrapolate the epoch time [the whole epoch] */
  maxBatches?: number;
  /**
   * cnn_epoch, TF.js only: after `probeBatches` batches [10], stop and extrapolate when the
   * projected epoch is longer than this [180 s]; 0 always trains the whole epoch.
   */
  budgetSeconds?: number;
  probeBatches?: number;
  /** mlp_infer / midl_layer: batch size -> timed runs */
  runs?: Record<string, number>;
  /** midl_layer: d [784], n [512], rho [0.45], r [docs/method.md section 2 default, 27 here] */
  inFeatures?: number;
  outFeatures?: number;
  keep?: number;
  rank?: number;
}

export interface Unavailable {
  unavailable: string;
}

export interface PytorchRuntime {
  engine: 'pytorch';
  torchVersion: string;
  numpyVersion: string;
  python: string;
  threads: number;
  /** ATen's vector ISA for its own kernels */
  cpuCapability: string | null;
  /** the BLAS torch's float32 GEMM runs on */
  openblas: { config: string; corename: string; threads: number } | Unavailable;
  loadAverage: number[];
}

export interface TfjsRuntime {
  engine: 'tfjs';
  tfjsVersion: string;
  wasmVersion: string;
  backend: string;
  wasmBinary: 'plain' | 'simd' | 'threaded-simd';
  threads: number;
  node: string;
  loadAverage: number[];
}

export interface GemmResult {
  task: 'gemm';
  results: { m: number; n: number; k: number; reps: number; medianMs: number; gflops: number }[];
}

export interface MlpEpochResult {
  task: 'mlp_epoch';
  /** wall time of one training epoch, data loading excluded */
  epochSeconds: number;
  batches: number;
  batchSize: number;
  trainExamples: number;
  meanTrainLoss: number;
  /** on the 10,000 test images after the epoch: a sanity check, not a result */
  testAccuracy: number;
  loadSeconds: number;
  seed: number;
}

/**
 * One training epoch of the study's small CNN (`buildModel('cifar10', ...)`, dense head) on
 * CIFAR-10 (pixels / 255, then per-channel mean / std of the training set), batch 128, Adam,
 * then accuracy on the test images. When only `timedBatches` of `batches` ran, the epoch
 * time is extrapolated: the first batch's time (it carries the warm-up) plus the time per
 * image of the others times the remaining images.
 */
export interface CnnEpochResult {
  task: 'cnn_epoch';
  /** wall time of one training epoch, data loading excluded (extrapolated when `extrapolated`) */
  epochSeconds: number;
  imagesPerSecond: number;
  extrapolated: boolean;
  /** the batches of a full epoch, and how many of them were trained and timed */
  batches: number;
  timedBatches: number;
  /** wall time of the batches actually trained */
  timedSeconds: number;
  firstBatchSeconds: number;
  batchSize: number;
  trainExamples: number;
  meanTrainLoss: number;
  /** on the test images after training (after `timedBatches` only, when extrapolated) */
  testAccuracy: number;
  testExamples: number;
  /** the fitted preprocessing statistics, to check all sides normalize alike */
  channelMean: number[];
  channelStd: number[];
  layout: 'NCHW' | 'NHWC';
  loadSeconds: number;
  seed: number;
}

export interface MlpInferResult {
  task: 'mlp_infer';
  results: { batch: number; runs: number; medianUs: number; p95Us: number }[];
}

export interface MidlLayerResult {
  task: 'midl_layer';
  inFeatures: number;
  outFeatures: number;
  keep: number;
  k: number;
  rank: number;
  variant: 'dense-then-mask';
  results: {
    batch: number;
    runs: number;
    midlMedianMs: number;
    midlP95Ms: number;
    linearMedianMs: number;
    linearP95Ms: number;
  }[];
}

export interface BaselineResults {
  info: { task: 'info' };
  gemm: GemmResult;
  mlp_epoch: MlpEpochResult;
  mlp_infer: MlpInferResult;
  midl_layer: MidlLayerResult;
  cnn_epoch: CnnEpochResult;
}

export type PytorchResult<T extends keyof BaselineResults> = BaselineResults[T] & { runtime: PytorchRuntime };
export type TfjsResult<T extends keyof BaselineResults> = BaselineResults[T] & { runtime: TfjsRuntime };

export function isUnavailable(value: object): value is Unavailable {
  return 'unavailable' in value;
}
