/**
 * The generic kernel interface: every numeric loop of the tensor engine that matters for
 * speed goes through one of these methods, so the engine above never cares which
 * implementation runs. MID-L's own kernel families live beside the layer (src/midl/kernels.ts).
 *
 * Conventions, shared by every implementation:
 * - Matrices are dense, row-major `Float32Array`s; views (subarrays) are allowed.
 * - Output buffers are supplied by the caller and have the right length.
 * - Unless a method says "accumulates", it overwrites its output.
 * - Index arrays are `Int32Array`s.
 */

/** Activation codes understood by fused kernels. */
export const Act = { none: 0, relu: 1 } as const;
export type ActCode = (typeof Act)[keyof typeof Act];

/** Options of one Adam/AdamW update. `step` counts from 1. */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** true: AdamW (decay applied to the weights); false: L2 added to the gradient. */
  decoupled: boolean;
  step: number;
}

/** Geometry of a 2-D convolution or pooling window over one NCHW batch. */
export interface Conv2dShape {
  batch: number;
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  stride: number;
  pad: number;
}

/** Where conv2dBackward accumulates its gradients (null: not wanted). */
export interface ConvGrads {
  dx: Float32Array | null;
  dweight: Float32Array | null;
  dbias: Float32Array | null;
}

export interface Backend {
  readonly name: 'native' | 'reference';

  /** Threads used by the matrix products and fused loops (>= 1). */
  setThreads(n: number): void;
  getThreads(): number;

  /**
   * C = alpha * op(A) * op(B) + beta * C, where op(A) is M x K, op(B) is K x N, C is M x N.
   * A is stored M x K (or K x M when transA), B is K x N (or N x K when transB).
   */
  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Float32Array, B: Float32Array, beta: number, C: Float32Array,
  ): void;

  /** out[i, j] = act(x[i, j] + bias[j]) for a rows x cols matrix; bias may be null; out may alias x. */
  biasAct(x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: ActCode, out: Float32Array): void;

  /** dx[i] = y[i] > 0 ? dy[i] : 0 (ReLU backward from the ReLU's output y); dx may alias dy. */
  reluBackward(dy: Float32Array, y: Float32Array, dx: Float32Array): void;

  /** Column sums of a rows x cols matrix: out[j] (+)= sum_i x[i, j]. Accumulates when `accumulate`. */
  sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array, accumulate: boolean): void;

  /**
   * Softmax cross-entropy over rows of logits (rows x cols) with integer labels, in one pass.
   * Target distribution: (1 - smoothing) on the label plus smoothing / cols on every class.
   * Returns the mean loss over rows. When grad is given, writes
   * grad[i, j] = scale * (softmax(logits)[i, j] - target[i, j]) / rows.
   */
  softmaxCrossEntropy(
    logits: Float32Array, labels: Int32Array, rows: number, cols: number,
    smoothing: number, grad: Float32Array | null, scale: number,
  ): number;

  /** One Adam/AdamW update in a single pass; param, grad, m, v have equal length. */
  adamStep(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, o: AdamOptions): void;

  /**
   * 2-D convolution of an NCHW batch: y = act(conv(x, weight) + bias), with weight
   * filters x channels x kernelH x kernelW, bias (filters) or null, and y
   * batch x filters x outH x outW (zero padding, PyTorch's cross-correlation).
   */
  conv2dForward(
    x: Float32Array, weight: Float32Array, bias: Float32Array | null, s: Conv2dShape, filters: number, act: ActCode,
    y: Float32Array,
  ): void;

  /**
   * Gradients of conv2dForward given its output y (for the ReLU's mask) and dy; each
   * buffer of `grads` accumulates, and a null one is not computed.
   */
  conv2dBackward(
    x: Float32Array, weight: Float32Array, y: Float32Array, dy: Float32Array, s: Conv2dShape, filters: number,
    act: ActCode, grads: ConvGrads,
  ): void;

  /**
   * Max pooling (padding counts as -infinity). out is batch x C x outH x outW; argmax holds, per
   * output, the flat index into x of the winner (first maximum in scan order on ties).
   */
  maxPool2d(x: Float32Array, s: Conv2dShape, out: Float32Array, argmax: Int32Array): void;

  /** dx[argmax[i]] += dy[i] (dx accumulates; caller zeroes it). */
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;

  /** Average pooling; padding counts as zeros and is included in the divisor (PyTorch default). */
  avgPool2d(x: Float32Array, s: Conv2dShape, out: Float32Array): void;

  /** Adjoint of avgPool2d; accumulates into dx. */
  avgPool2dBackward(dy: Float32Array, s: Conv2dShape, dx: Float32Array): void;

  /**
   * Per row of a rows x cols matrix, the indices of its k largest values, written to
   * idx (rows x k) in ascending index order. Ties go to the lower index. 1 <= k <= cols.
   */
  topkRows(x: Float32Array, rows: number, cols: number, k: number, idx: Int32Array): void;

  /** out[i, :] = table[ids[i], :] for a table with `dim` columns. */
  gatherRows(table: Float32Array, dim: number, ids: Int32Array, out: Float32Array): void;

  /** table[ids[i], :] += src[i, :] (accumulates; repeated ids add up). */
  scatterAddRows(src: Float32Array, dim: number, ids: Int32Array, table: Float32Array): void;

  /**
   * out[i, cols[t]] = src[i, t] for src (rows x cols.length) and out (rows x n); the
   * other entries of out are left as they are (static sparsity's kept outputs, spread
   * back to the layer's width).
   */
  scatterColumns(src: Float32Array, rows: number, cols: Int32Array, n: number, out: Float32Array): void;

  /**
   * Mean of table rows per bag: bag b covers ids[offsets[b] .. offsets[b+1]) (offsets has
   * bags + 1 entries); an empty bag gives zeros. out is bags x dim.
   */
  embeddingBagMean(table: Float32Array, dim: number, ids: Int32Array, offsets: Int32Array, out: Float32Array): void;

  /** Adjoint of embeddingBagMean: accumulates dOut / bagSize into the rows of dTable. */
  embeddingBagMeanBackward(dOut: Float32Array, dim: number, ids: Int32Array, offsets: Int32Array, dTable: Float32Array): void;

  /**
   * Mean and biased variance of each channel of x (n x c x s: s values per channel per
   * example, s = H*W for images), over its n * s values. mean and var hold c values.
   */
  channelMoments(x: Float32Array, n: number, c: number, s: number, mean: Float32Array, variance: Float32Array): void;

  /** y = act(x * scale[ch] + shift[ch]) for x (n x c x s); y may be x. */
  channelAffine(x: Float32Array, n: number, c: number, s: number, scale: Float32Array, shift: Float32Array, act: ActCode, y: Float32Array): void;

  /**
   * Backward of batch normalization in training mode, weight * (x - mean) * invstd + bias,
   * with g = dy (n x c x s), masked by y > 0 when y (the output of a fused ReLU) is not null:
   * dbias = sum g and dweight =
   * sum g * xhat per channel (overwritten); dx (when not null) accumulates
   * weight * invstd * (g - mean g - xhat * mean(g * xhat)).
   */
  batchNormBackward(
    x: Float32Array, dy: Float32Array, y: Float32Array | null, n: number, c: number, s: number, mean: Float32Array, invstd: Float32Array,
    weight: Float32Array, dx: Float32Array | null, dweight: Float32Array, dbias: Float32Array,
  ): void;

  /**
   * out (rows x n) = S W^T for CSR rows S (rows x d; row i stores values[k] at column
   * indices[k], k in offsets[i] .. offsets[i+1]) and weight W (n x d): only stored entries
   * are multiplied.
   */
  sparseRowsMatmulT(offsets: Int32Array, indices: Int32Array, values: Float32Array, weight: Float32Array, d: number, n: number, out: Float32Array): void;

  /** Adjoint of sparseRowsMatmulT for the weight: dWeight (n x d) += dOut^T S (accumulates). */
  sparseRowsGradWeight(offsets: Int32Array, indices: Int32Array, values: Float32Array, dOut: Float32Array, d: number, n: number, dWeight: Float32Array): void;
}
