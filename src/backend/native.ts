/**
 * The native backend: the C++ addon in native/ (built to build/Release/midl_native.node),
 * wrapped so it implements Backend. Typed arrays go to the addon as they are, views
 * included; the addon validates lengths and throws TypeError/RangeError itself.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActCode, AdamOptions, Backend, Conv2dShape, ConvGrads } from './backend.js';
import { Act } from './backend.js';

/** The addon's exports: Backend's methods with options objects spread into positional arguments. */
interface NativeAddon {
  setThreads(n: number): void;
  getThreads(): number;
  gemmKernel(): string;
  allocator(): string;
  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Float32Array, B: Float32Array, beta: number, C: Float32Array,
  ): void;
  biasAct(x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: number, out: Float32Array): void;
  reluBackward(dy: Float32Array, y: Float32Array, dx: Float32Array): void;
  sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array, accumulate: boolean): void;
  softmaxCrossEntropy(
    logits: Float32Array, labels: Int32Array, rows: number, cols: number,
    smoothing: number, grad: Float32Array | null, scale: number,
  ): number;
  adamStep(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
  ): void;
  conv2dForward(
    x: Float32Array, weight: Float32Array, bias: Float32Array | null,
    ...shapeAndRest: [...ShapeArgs, number, boolean, Float32Array]
  ): void;
  conv2dBackward(
    x: Float32Array, weight: Float32Array, y: Float32Array, dy: Float32Array,
    ...shapeAndRest: [...ShapeArgs, number, boolean, Float32Array | null, Float32Array | null, Float32Array | null]
  ): void;
  maxPool2d(x: Float32Array, ...shapeAndOut: [...ShapeArgs, Float32Array, Int32Array]): void;
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;
  avgPool2d(x: Float32Array, ...shapeAndOut: [...ShapeArgs, Float32Array]): void;
  avgPool2dBackward(dy: Float32Array, ...shapeAndOut: [...ShapeArgs, Float32Array]): void;
  topkRows(x: Float32Array, rows: number, cols: number, k: number, idx: Int32Array): void;
  gatherRows(table: Float32Array, dim: number, ids: Int32Array, out: Float32Array): void;
  scatterAddRows(src: Float32Array, dim: number, ids: Int32Array, table: Float32Array): void;
  scatterColumns(src: Float32Array, rows: number, cols: Int32Array, n: number, out: Float32Array): void;
  embeddingBagMean(table: Float32Array, dim: number, ids: Int32Array, offsets: Int32Array, out: Float32Array): void;
  embeddingBagMeanBackward(dOut: Float32Array, dim: number, ids: Int32Array, offsets: Int32Array, dTable: Float32Array): void;
  sparseRowsMatmulT(offsets: Int32Array, indices: Int32Array, values: Float32Array, weight: Float32Array, d: number, n: number, out: Float32Array): void;
  channelMoments(x: Float32Array, n: number, c: number, s: number, mean: Float32Array, variance: Float32Array): void;
  channelAffine(x: Float32Array, n: number, c: number, s: number, scale: Float32Array, shift: Float32Array, act: number, y: Float32Array): void;
  batchNormBackward(
    x: Float32Array, dy: Float32Array, y: Float32Array | null, n: number, c: number, s: number, mean: Float32Array, invstd: Float32Array,
    weight: Float32Array, dx: Float32Array | null, dweight: Float32Array, dbias: Float32Array,
  ): void;
  sparseRowsGradWeight(offsets: Int32Array, indices: Int32Array, values: Float32Array, dOut: Float32Array, d: number, n: number, dWeight: Float32Array): void;
}

type ShapeArgs = [number, number, number, number, number, number, number, number];

function shapeArgs(s: Conv2dShape): ShapeArgs {
  return [s.batch, s.channels, s.height, s.width, s.kernelH, s.kernelW, s.stride, s.pad];
}

class NativeBackend implements Backend {
  readonly name = 'native' as const;
  /** What runs the larger matrix products: 'midl-avx512' or 'openblas' (native/gemm.cc). */
  readonly gemmKernel: string;
  /** 'midl' when the addon set glibc's malloc to keep freed memory (native/allocator.cc), else 'system'. */
  readonly allocator: string;

  constructor(private readonly addon: NativeAddon) {
    this.gemmKernel = addon.gemmKernel();
    this.allocator = addon.allocator();
  }

  setThreads(n: number): void {
    this.addon.setThreads(n);
  }

  getThreads(): number {
    return this.addon.getThreads();
  }

  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Float32Array, B: Float32Array, beta: number, C: Float32Array,
  ): void {
    this.addon.gemm(transA, transB, M, N, K, alpha, A, B, beta, C);
  }

  biasAct(x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: ActCode, out: Float32Array): void {
    this.addon.biasAct(x, bias, rows, cols, act, out);
  }

  reluBackward(dy: Float32Array, y: Float32Array, dx: Float32Array): void {
    this.addon.reluBackward(dy, y, dx);
  }

  sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array, accumulate: boolean): void {
    this.addon.sumRows(x, rows, cols, out, accumulate);
  }

  softmaxCrossEntropy(
    logits: Float32Array, labels: Int32Array, rows: number, cols: number,
    smoothing: number, grad: Float32Array | null, scale: number,
  ): number {
    return this.addon.softmaxCrossEntropy(logits, labels, rows, cols, smoothing, grad, scale);
  }

  adamStep(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, o: AdamOptions): void {
    this.addon.adamStep(param, grad, m, v, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, o.decoupled, o.step);
  }

  conv2dForward(
    x: Float32Array, weight: Float32Array, bias: Float32Array | null, s: Conv2dShape, filters: number, act: ActCode,
    y: Float32Array,
  ): void {
    this.addon.conv2dForward(x, weight, bias, ...shapeArgs(s), filters, act === Act.relu, y);
  }

  conv2dBackward(
    x: Float32Array, weight: Float32Array, y: Float32Array, dy: Float32Array, s: Conv2dShape, filters: number,
    act: ActCode, grads: ConvGrads,
  ): void {
    this.addon.conv2dBackward(
      x, weight, y, dy, ...shapeArgs(s), filters, act === Act.relu, grads.dx, grads.dweight, grads.dbias,
    );
  }

  maxPool2d(x: Float32Array, s: Conv2dShape, out: Float32Array, argmax: Int32Array): void {
    this.addon.maxPool2d(x, ...shapeArgs(s), out, argmax);
  }

  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
    this.addon.maxPool2dBackward(dy, argmax, dx);
  }

  avgPool2d(x: Float32Array, s: Conv2dShape, out: Float32Array): void {
    this.addon.avgPool2d(x, ...shapeArgs(s), out);
  }

  avgPool2dBackward(dy: Float32Array, s: Conv2dShape, dx: Float32Array): void {
    this.addon.avgPool2dBackward(dy, ...shapeArgs(s), dx);
  }

  topkRows(x: Float32Array, rows: number, cols: number, k: number, idx: Int32Array): void {
    this.addon.topkRows(x, rows, cols, k, idx);
  }

  gatherRows(table: Float32Array, dim: number, ids: Int32Array, out: Float32Array): void {
    this.addon.gatherRows(table, dim, ids, out);
  }

  scatterAddRows(src: Float32Array, dim: number, ids: Int32Array, table: Float32Array): void {
    this.addon.scatterAddRows(src, dim, ids, table);
  }

  scatterColumns(src: Float32Array, rows: number, cols: Int32Array, n: number, out: Float32Array): void {
    this.addon.scatterColumns(src, rows, cols, n, out);
  }

  embeddingBagMean(table: Float32Array, dim: number, ids: Int32Array, offsets: Int32Array, out: Float32Array): void {
    this.addon.embeddingBagMean(table, dim, ids, offsets, out);
  }

  embeddingBagMeanBackward(dOut: Float32Array, dim: number, ids: Int32Array, offsets: Int32Array, dTable: Float32Array): void {
    this.addon.embeddingBagMeanBackward(dOut, dim, ids, offsets, dTable);
  }

  channelMoments(x: Float32Array, n: number, c: number, s: number, mean: Float32Array, variance: Float32Array): void {
    this.addon.channelMoments(x, n, c, s, mean, variance);
  }

  channelAffine(x: Float32Array, n: number, c: number, s: number, scale: Float32Array, shift: Float32Array, act: ActCode, y: Float32Array): void {
    this.addon.channelAffine(x, n, c, s, scale, shift, act, y);
  }

  batchNormBackward(
    x: Float32Array, dy: Float32Array, y: Float32Array | null, n: number, c: number, s: number, mean: Float32Array, invstd: Float32Array,
    weight: Float32Array, dx: Float32Array | null, dweight: Float32Array, dbias: Float32Array,
  ): void {
    this.addon.batchNormBackward(x, dy, y, n, c, s, mean, invstd, weight, dx, dweight, dbias);
  }

  sparseRowsMatmulT(offsets: Int32Array, indices: Int32Array, values: Float32Array, weight: Float32Array, d: number, n: number, out: Float32Array): void {
    this.addon.sparseRowsMatmulT(offsets, indices, values, weight, d, n, out);
  }

  sparseRowsGradWeight(offsets: Int32Array, indices: Int32Array, values: Float32Array, dOut: Float32Array, d: number, n: number, dWeight: Float32Array): void {
    this.addon.sparseRowsGradWeight(offsets, indices, values, dOut, d, n, dWeight);
  }
}

/** build/Release/midl_native.node under the package root (this file runs from dist/src/backend/). */
function nativeAddonPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', '..', '..', 'build', 'Release', 'midl_native.node');
}

let loaded: NativeAddon | null = null;

/** Loads the addon once; throws an Error saying whether the file is missing or failed to load. */
function loadAddon(): NativeAddon {
  if (loaded !== null) return loaded;
  const file = nativeAddonPath();
  if (!fs.existsSync(file)) {
    throw new Error(`native addon not built: ${file} is missing (run: node scripts/build-native.mjs)`);
  }
  try {
    loaded = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (err) {
    throw new Error(`native addon ${file} failed to load: ${(err as Error).message}`);
  }
  return loaded;
}

/** Loads the addon; throws an Error saying whether the file is missing or failed to load. */
export function loadNativeBackend(): Backend {
  return new NativeBackend(loadAddon());
}

/**
 * The addon's exports, for the layers above that bind their own kernel families to it
 * (src/midl/kernels.ts, neuron-native.ts): they declare the functions they use as T.
 */
export function nativeAddon<T>(): T {
  return loadAddon() as unknown as T;
}
