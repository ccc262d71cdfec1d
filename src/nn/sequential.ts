/** Sequential: runs its children in order; their names are '0', '1', ... as in PyTorch. */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** Replaces layer i (keeping its name), e.g. to swap a Linear for a sparse version. */
  setLayer(i: number, m: Module): void {
    if (!(i >= 0 && i < this.layers.length)) throw new RangeError(`Sequential.setLayer: no layer ${i}`);
    this.layers[i] = m;
    this.replaceModule(String(i), m);
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this.layers) h = m.forward(h);
    return h;
  }
}
