/**
 * Sequential: runs its children in order; their names are '0', '1', ... as in PyTorch.
 * Sparse rows pass through Flatten unchanged and go to a Linear as they are; any other
 * layer receives their dense form.
 */
import type { Tensor } from '../tensor/tensor.js';
import { Flatten } from './layers.js';
import { Linear } from './linear.js';
import { type AnyModule, Module } from './module.js';
import { denseRows, isSparseRows, type LayerInput } from './sparse.js';

export class Sequential extends Module<LayerInput> {
  readonly layers: AnyModule[];

  constructor(...layers: AnyModule[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** Replaces layer i (keeping its name), e.g. to swap a Linear for a sparse version. */
  setLayer(i: number, m: AnyModule): void {
    if (!(i >= 0 && i < this.layers.length)) throw new RangeError(`Sequential.setLayer: no layer ${i}`);
    this.layers[i] = m;
    this.replaceModule(String(i), m);
  }

  forward(x: LayerInput): Tensor {
    let h = x;
    for (const m of this.layers) {
      if (isSparseRows(h) && m instanceof Flatten) continue;
      h = m.forward(isSparseRows(h) && !(m instanceof Linear) ? denseRows(h) : h);
    }
    if (isSparseRows(h)) throw new RangeError('Sequential: a model of no layers but Flatten cannot take sparse rows');
    return h;
  }
}
