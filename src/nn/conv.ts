/**
 * Conv2d over NCHW input, PyTorch names (`weight`: F x C x kh x kw, `bias`: F) and init.
 *
 * ```ts
 * const conv = new Conv2d(3, 32, 3, { pad: 1 });
 * const y = conv.forward(Tensor.zeros([8, 3, 32, 32]));   // [8, 32, 32, 32]
 * ```
 */
import { conv2d } from '../tensor/ops/conv.js';
import { globalRng, type Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { defaultUniform } from './init.js';
import { Module } from './module.js';

export interface Conv2dOptions {
  stride?: number;
  pad?: number;
  bias?: boolean;
  activation?: 'none' | 'relu';
  rng?: Rng;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly pad: number;
  readonly activation: 'none' | 'relu';

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, o: Conv2dOptions = {}) {
    super();
    const rng = o.rng ?? globalRng();
    this.stride = o.stride ?? 1;
    this.pad = o.pad ?? 0;
    this.activation = o.activation ?? 'none';
    const fanIn = inChannels * kernelSize * kernelSize;
    this.weight = this.registerParameter('weight', Tensor.zeros([outChannels, inChannels, kernelSize, kernelSize]));
    defaultUniform(this.weight.data, fanIn, rng);
    this.bias = null;
    if (o.bias ?? true) {
      this.bias = this.registerParameter('bias', Tensor.zeros([outChannels]));
      defaultUniform(this.bias.data, fanIn, rng);
    }
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, pad: this.pad }, this.activation);
  }
}
