/** Dropout: active in train mode only (inverted scaling, as torch.nn.Dropout). */
import { dropout } from '../tensor/ops/dropout.js';
import { globalRng, type Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export class Dropout extends Module {
  private readonly rng: Rng | undefined;

  constructor(readonly p = 0.5, o: { rng?: Rng } = {}) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
    this.rng = o.rng;
  }

  forward(x: Tensor): Tensor {
    return this.training ? dropout(x, this.p, this.rng ?? globalRng()) : x;
  }
}
