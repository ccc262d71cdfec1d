/**
 * Linear: y = x W^T + b, with PyTorch's parameter names and layout (`weight`: out x in,
 * `bias`: out) and default initialization. x may also be sparse rows (see sparse.ts): then
 * only their stored entries are multiplied.
 *
 * ```ts
 * import { Linear, Tensor } from 'midl';
 * const layer = new Linear(784, 512);
 * const y = layer.forward(Tensor.zeros([32, 784]));   // [32, 512]
 * ```
 */
import { linear } from '../tensor/ops/linalg.js';
import { globalRng, type Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { defaultUniform } from './init.js';
import { Module } from './module.js';
import { isSparseRows, sparseLinear, type LayerInput } from './sparse.js';

export interface LinearOptions {
  bias?: boolean;
  /** Fused activation applied after the bias ('none' by default). */
  activation?: 'none' | 'relu';
  rng?: Rng;
}

export class Linear extends Module<LayerInput> {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly activation: 'none' | 'relu';

  constructor(readonly inFeatures: number, readonly outFeatures: number, o: LinearOptions = {}) {
    super();
    const rng = o.rng ?? globalRng();
    this.activation = o.activation ?? 'none';
    this.weight = this.registerParameter('weight', Tensor.zeros([outFeatures, inFeatures]));
    defaultUniform(this.weight.data, inFeatures, rng);
    this.bias = null;
    if (o.bias ?? true) {
      this.bias = this.registerParameter('bias', Tensor.zeros([outFeatures]));
      defaultUniform(this.bias.data, inFeatures, rng);
    }
  }

  forward(x: LayerInput): Tensor {
    if (isSparseRows(x)) return sparseLinear(x, this.weight, this.bias, this.activation);
    return linear(x, this.weight, this.bias, this.activation);
  }
}
