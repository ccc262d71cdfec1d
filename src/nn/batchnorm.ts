/**
 * Batch normalization, as torch.nn.BatchNorm1d / BatchNorm2d:
 *
 *   y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias
 *
 * per channel (dimension 1). In training mode E and Var are the batch's mean and biased
 * variance, and running_mean / running_var move towards the batch's mean and unbiased
 * variance by `momentum` (running = (1 - momentum) * running + momentum * batch); in eval
 * mode the running statistics are used. State names are PyTorch's: `weight`, `bias`,
 * `running_mean`, `running_var`, `num_batches_tracked` (int32 here, int64 in PyTorch; the
 * safetensors reader takes either).
 *
 * Shapes: BatchNorm1d takes (N, C) or (N, C, L); BatchNorm2d takes (N, C, H, W). The output
 * has the input's shape.
 *
 * Arguments: numFeatures C; eps (default 1e-5); momentum (default 0.1); activation, a fused
 * ReLU after the affine map ('none' by default; the project's Linear and Conv2d fuse theirs too).
 *
 * ```ts
 * const bn = new BatchNorm2d(32);
 * const y = bn.forward(Tensor.zeros([8, 32, 16, 16]));   // [8, 32, 16, 16]
 * bn.eval();                                             // now normalises with the running statistics
 * ```
 */
import { Act, backend } from '../backend/index.js';
import { allocate, recycle } from '../tensor/pool.js';
import { Tensor, accumulateGrad, gradBuffer, result } from '../tensor/tensor.js';
import { Module } from './module.js';

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  activation?: 'none' | 'relu';
}

abstract class BatchNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  readonly numBatchesTracked = new Int32Array(1);
  readonly eps: number;
  readonly momentum: number;
  readonly activation: 'none' | 'relu';

  constructor(readonly numFeatures: number, o: BatchNormOptions = {}) {
    super();
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum ?? 0.1;
    this.activation = o.activation ?? 'none';
    this.weight = this.registerParameter('weight', Tensor.from(new Float32Array(numFeatures).fill(1)));
    this.bias = this.registerParameter('bias', Tensor.zeros([numFeatures]));
    this.runningMean = new Float32Array(numFeatures);
    this.runningVar = new Float32Array(numFeatures).fill(1);
    this.registerBuffer('running_mean', { dtype: 'F32', shape: [numFeatures], data: this.runningMean });
    this.registerBuffer('running_var', { dtype: 'F32', shape: [numFeatures], data: this.runningVar });
    this.registerBuffer('num_batches_tracked', { dtype: 'I32', shape: [], data: this.numBatchesTracked });
  }

  /** Throws unless x has a shape this kind of batch norm takes. */
  protected abstract checkShape(shape: readonly number[]): void;

  forward(x: Tensor): Tensor {
    this.checkShape(x.shape);
    const [n, c] = x.shape;
    if (c !== this.numFeatures) throw new RangeError(`${this.constructor.name}: input has ${c} channels, expected ${this.numFeatures}`);
    const s = x.shape.slice(2).reduce((a, b) => a * b, 1);
    if (this.training && n * s < 2) throw new RangeError(`${this.constructor.name}: training needs more than 1 value per channel, got input shape [${x.shape.join(', ')}]`);
    const be = backend();
    const mean = new Float32Array(c);
    const invstd = new Float32Array(c);
    if (this.training) {
      const variance = new Float32Array(c);
      be.channelMoments(x.data, n, c, s, mean, variance);
      const unbiased = (n * s) / (n * s - 1);
      for (let ch = 0; ch < c; ch++) {
        invstd[ch] = 1 / Math.sqrt(variance[ch] + this.eps);
        this.runningMean[ch] = (1 - this.momentum) * this.runningMean[ch] + this.momentum * mean[ch];
        this.runningVar[ch] = (1 - this.momentum) * this.runningVar[ch] + this.momentum * variance[ch] * unbiased;
      }
      this.numBatchesTracked[0]++;
    } else {
      mean.set(this.runningMean);
      for (let ch = 0; ch < c; ch++) invstd[ch] = 1 / Math.sqrt(this.runningVar[ch] + this.eps);
    }
    const scale = new Float32Array(c);
    const shift = new Float32Array(c);
    for (let ch = 0; ch < c; ch++) {
      scale[ch] = this.weight.data[ch] * invstd[ch];
      shift[ch] = this.bias.data[ch] - mean[ch] * scale[ch];
    }
    const code = this.activation === 'relu' ? Act.relu : Act.none;
    const y = allocate(x.size);
    be.channelAffine(x.data, n, c, s, scale, shift, code, y);
    const training = this.training;
    return result(y, x.shape, [x, this.weight, this.bias], (g) => {
      const relu = code === Act.relu;
      // The training kernel applies the ReLU's mask itself; eval mode masks first.
      let dy = g;
      if (relu && !training) {
        dy = allocate(g.length);
        be.reluBackward(g, y, dy);
      }
      const dweight = new Float32Array(c);
      const dbias = new Float32Array(c);
      const dx = gradBuffer(x);
      // In eval mode the statistics are constants: dx is dy * scale, and the same call gives dweight and dbias.
      be.batchNormBackward(x.data, dy, relu && training ? y : null, n, c, s, mean, invstd, this.weight.data, training ? dx : null, dweight, dbias);
      if (!training && dx !== null) {
        const scaled = allocate(dy.length);
        be.channelAffine(dy, n, c, s, scale, new Float32Array(c), Act.none, scaled);
        for (let i = 0; i < dx.length; i++) dx[i] += scaled[i];
        recycle(scaled);
      }
      if (dy !== g) recycle(dy);
      accumulateGrad(this.weight, dweight, true);
      accumulateGrad(this.bias, dbias, true);
    });
  }
}

/** Batch normalization over (N, C) or (N, C, L) input; see BatchNorm. */
export class BatchNorm1d extends BatchNorm {
  protected checkShape(shape: readonly number[]): void {
    if (shape.length !== 2 && shape.length !== 3) throw new RangeError(`BatchNorm1d: expected 2-D or 3-D input, got shape [${shape.join(', ')}]`);
  }
}

/** Batch normalization over (N, C, H, W) input; see BatchNorm. */
export class BatchNorm2d extends BatchNorm {
  protected checkShape(shape: readonly number[]): void {
    if (shape.length !== 4) throw new RangeError(`BatchNorm2d: expected 4-D input, got shape [${shape.join(', ')}]`);
  }
}
