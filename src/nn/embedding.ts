/**
 * Embedding (one row per id) and EmbeddingBag (mean of the rows of each bag), with
 * PyTorch's parameter name `weight` and default init N(0, 1).
 *
 * ```ts
 * const bag = new EmbeddingBag(10000, 64);
 * const h = bag.forward({ ids: Int32Array.of(4, 9, 4, 1), offsets: Int32Array.of(0, 3, 4) }); // [2, 64]
 * ```
 */
import { embedding, embeddingBagMean } from '../tensor/ops/embedding.js';
import { globalRng, type Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Token ids of several bags: bag b is ids[offsets[b] .. offsets[b + 1]). */
export interface Bags {
  ids: Int32Array;
  offsets: Int32Array;
}

function normalTable(rows: number, dim: number, rng: Rng): Tensor {
  const t = Tensor.zeros([rows, dim]);
  rng.fillNormal(t.data, 0, 1);
  return t;
}

export class Embedding extends Module<Int32Array> {
  readonly weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, o: { rng?: Rng } = {}) {
    super();
    this.weight = this.registerParameter('weight', normalTable(numEmbeddings, embeddingDim, o.rng ?? globalRng()));
  }

  forward(ids: Int32Array): Tensor {
    return embedding(this.weight, ids);
  }
}

export class EmbeddingBag extends Module<Bags> {
  readonly weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, o: { rng?: Rng } = {}) {
    super();
    this.weight = this.registerParameter('weight', normalTable(numEmbeddings, embeddingDim, o.rng ?? globalRng()));
  }

  forward(bags: Bags): Tensor {
    return embeddingBagMean(this.weight, bags.ids, bags.offsets);
  }
}
