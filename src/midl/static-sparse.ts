/**
 * Static sparsity, the baseline MID-L is compared with (docs/method.md section 4): the same
 * layer width, the same number k of neurons kept, but one fixed, input-independent set,
 * chosen after training by the L2 norm of each neuron's weight row. The other neurons
 * output zero. At inference only the kept rows are computed, from a compact copy of them
 * made at the first eval forward and remade after any training forward (an optimizer step
 * may follow it) or loadStateDict; after writing to `weight.data` directly, call
 * `refreshKept()`.
 *
 * ```ts
 * const sparse = StaticSparseLinear.fromLinear(trainedLinear, 0.45);
 * ```
 */
import { backend } from '../backend/index.js';
import { Linear } from '../nn/linear.js';
import { Module, type AnyModule } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import { linear } from '../tensor/ops/linalg.js';
import { mul } from '../tensor/ops/elementwise.js';
import { allocate } from '../tensor/pool.js';
import { Tensor, noGrad } from '../tensor/tensor.js';
import { keptCount } from './shape.js';

export class StaticSparseLinear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly kept: Int32Array;
  private readonly keptWeight: Float32Array;
  private readonly keptBias: Float32Array;
  private keptStale = true;

  /** weight: n x d, bias: n, kept: ascending neuron indices. */
  constructor(weight: Tensor, bias: Tensor, kept: Int32Array, readonly activation: 'none' | 'relu') {
    super();
    const d = weight.shape[1];
    this.weight = this.registerParameter('weight', weight);
    this.bias = this.registerParameter('bias', bias);
    this.kept = kept;
    this.registerBuffer('kept_index', { dtype: 'I32', shape: [kept.length], data: kept });
    this.keptWeight = new Float32Array(kept.length * d);
    this.keptBias = new Float32Array(kept.length);
  }

  get inFeatures(): number {
    return this.weight.shape[1];
  }

  get outFeatures(): number {
    return this.weight.shape[0];
  }

  /** Keeps the round(keep * n) rows of largest L2 norm (ties to the lower index). */
  static fromLinear(layer: Linear, keep: number): StaticSparseLinear {
    const [n, d] = layer.weight.shape;
    const norms = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += layer.weight.data[j * d + p] ** 2;
      norms[j] = s;
    }
    const k = keptCount(keep, n);
    const kept = new Int32Array(k);
    backend().topkRows(norms, 1, n, k, kept);
    const bias = layer.bias ?? new Tensor(new Float32Array(n), [n]);
    return new StaticSparseLinear(
      new Tensor(layer.weight.data.slice(), [n, d]), new Tensor(bias.data.slice(), [n]), kept, layer.activation,
    );
  }

  forward(x: Tensor): Tensor {
    if (this.training) {
      this.keptStale = true;
      return mul(linear(x, this.weight, this.bias, this.activation), this.rowMask());
    }
    return noGrad(() => this.forwardKeptOnly(x));
  }

  /** Marks the compact copy of the kept rows stale, so the next eval forward remakes it. */
  refreshKept(): void {
    this.keptStale = true;
  }

  protected stateLoaded(): void {
    this.refreshKept();
  }

  /** 1 on kept neurons, 0 elsewhere (read from the buffer, which loading a state dict refills). */
  private rowMask(): Tensor {
    const mask = new Float32Array(this.outFeatures);
    for (const j of this.kept) mask[j] = 1;
    return new Tensor(mask, [this.outFeatures]);
  }

  /** Computes the kept rows with one GEMM (from the compact copy) and scatters them into the full width. */
  private forwardKeptOnly(x: Tensor): Tensor {
    const B = x.shape[0];
    const d = this.inFeatures;
    const n = this.outFeatures;
    const k = this.kept.length;
    if (this.keptStale) {
      backend().gatherRows(this.weight.data, d, this.kept, this.keptWeight);
      for (let t = 0; t < k; t++) this.keptBias[t] = this.bias.data[this.kept[t]];
      this.keptStale = false;
    }
    const compact = linear(x, new Tensor(this.keptWeight, [k, d]), new Tensor(this.keptBias, [k]), this.activation);
    const y = allocate(B * n);
    backend().scatterColumns(compact.data, B, this.kept, n, y);
    return new Tensor(y, [B, n]);
  }
}

/**
 * Replaces every hidden Linear (one with a ReLU, i.e. not the classifier) of a Sequential,
 * at any depth, by its static-sparse version keeping `keep` of its rows (one ratio, or one per
 * hidden layer in order). Returns how many layers were replaced.
 */
export function toStaticSparse(model: AnyModule, keep: number | readonly number[]): number {
  let replaced = 0;
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof Sequential)) continue;
    m.layers.forEach((layer, i) => {
      if (layer instanceof Linear && layer.activation === 'relu') {
        const ratio = typeof keep === 'number' ? keep : keep[replaced];
        if (ratio === undefined) throw new RangeError(`toStaticSparse: fewer keep ratios than hidden layers`);
        m.setLayer(i, StaticSparseLinear.fromLinear(layer, ratio));
        replaced++;
      }
    });
  }
  return replaced;
}
