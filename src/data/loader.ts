/**
 * Batching for training: seeded shuffling from an Rng the caller owns, batches copied into
 * reused buffers (or views when unshuffled and dense; image bytes are decoded and sparse rows
 * filled in with zeros into the buffer),
 * and the split manipulations the experiments need: validation holdout, symmetric label noise,
 * small training subsets.
 */
import type { LayerInput } from '../nn/sparse.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { augmentBatch, type Augmentation } from './augment.js';
import { copyExamples, featureSize, selectExamples, selectRows } from './split.js';
import type { SparseRows, Split, TokenBags } from './types.js';

export { featureSize };

export interface Batch {
  /**
   * size * featureSize normalised float32 values (image bytes already decoded). Overwritten by
   * the next batch of the same epoch: copy to keep.
   */
  x: Float32Array;
  y: Int32Array;
  size: number;
  /** Positions of the batch's examples in the split. */
  indices: Int32Array;
  /** The batch's token bags, offsets rebased to the batch (size + 1 entries). */
  tokens?: TokenBags;
  /** For a sparse split: the batch's rows (x is their dense form). */
  rows?: SparseRows;
}

/** What a model takes for a batch: its sparse rows when it has them, else x shaped as [size, ...inputShape]. */
export function batchInput(batch: Batch, inputShape: number[]): LayerInput {
  return batch.rows ?? new Tensor(batch.x, [batch.size, ...inputShape]);
}

export interface LoaderOptions {
  batchSize: number;
  shuffle?: boolean;
  /** Leave out the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /** Random crop and flip of image batches (image splits only), drawn from augmentRng. */
  augment?: Augmentation;
  augmentRng?: Rng;
}

export class DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly augment: { aug: Augmentation; rng: Rng } | null;
  private readonly features: number;
  private readonly xBuffer: Float32Array;
  private readonly yBuffer: Int32Array;
  private idsBuffer = new Int32Array(0);
  private readonly offsetsBuffer: Int32Array;

  constructor(readonly split: Split, opts: LoaderOptions) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? true;
    this.dropLast = opts.dropLast ?? false;
    this.augment = null;
    if (opts.augment !== undefined) {
      if (split.pixels === undefined) throw new RangeError('DataLoader: augmentation needs an image split');
      if (opts.augmentRng === undefined) throw new RangeError('DataLoader: augmentation needs an augmentRng');
      this.augment = { aug: opts.augment, rng: opts.augmentRng };
    }
    this.features = featureSize(split);
    // Unshuffled dense batches are views into the split; everything else is copied or decoded here.
    const copied = this.shuffle || split.x === undefined;
    this.xBuffer = new Float32Array(copied ? Math.min(this.batchSize, split.count) * this.features : 0);
    this.yBuffer = new Int32Array(this.shuffle ? this.batchSize : 0);
    this.offsetsBuffer = new Int32Array(this.batchSize + 1);
  }

  /** Batches per epoch. */
  get numBatches(): number {
    const n = this.split.count / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /**
   * The order of one epoch: a permutation drawn from rng when shuffling (n draws), else 0..n-1.
   * To resume an interrupted epoch, restore rng to its state before this call (Rng.getState),
   * call it again, and pass the same order to batches with the batch index reached.
   */
  epochOrder(rng?: Rng): Int32Array {
    if (!this.shuffle) return Int32Array.from({ length: this.split.count }, (_, i) => i);
    if (rng === undefined) throw new Error('DataLoader.epochOrder: shuffling needs an Rng');
    return rng.permutation(this.split.count);
  }

  /** The batches of one epoch in the given order, from batch startBatch on. */
  *batches(order: Int32Array, startBatch = 0): Generator<Batch> {
    for (let b = startBatch; b < this.numBatches; b++) {
      const start = b * this.batchSize;
      const indices = order.subarray(start, Math.min(start + this.batchSize, order.length));
      yield this.batch(indices, start);
    }
  }

  /** One epoch: epochOrder then batches. */
  epoch(rng?: Rng): Generator<Batch> {
    return this.batches(this.epochOrder(rng));
  }

  private batch(indices: Int32Array, start: number): Batch {
    const size = indices.length;
    const f = this.features;
    const split = this.split;
    let bx: Float32Array;
    let by: Int32Array;
    if (!this.shuffle) {
      by = split.y.subarray(start, start + size);
      if (split.x !== undefined) {
        bx = split.x.subarray(start * f, (start + size) * f);
      } else {
        bx = this.xBuffer.subarray(0, size * f);
        copyExamples(split, indices, bx);
      }
    } else {
      bx = this.xBuffer.subarray(0, size * f);
      by = this.yBuffer.subarray(0, size);
      copyExamples(split, indices, bx);
      for (let i = 0; i < size; i++) by[i] = split.y[indices[i]];
    }
    if (this.augment !== null && split.pixels !== undefined) augmentBatch(bx, size, split.pixels, this.augment.aug, this.augment.rng);
    const batch: Batch = { x: bx, y: by, size, indices };
    if (this.split.tokens !== undefined) batch.tokens = this.bags(this.split.tokens, indices);
    if (this.split.rows !== undefined) batch.rows = selectRows(this.split.rows, indices);
    return batch;
  }

  private bags(tokens: TokenBags, indices: Int32Array): TokenBags {
    const offsets = this.offsetsBuffer.subarray(0, indices.length + 1);
    let total = 0;
    indices.forEach((n, i) => {
      offsets[i] = total;
      total += tokens.offsets[n + 1] - tokens.offsets[n];
    });
    offsets[indices.length] = total;
    if (this.idsBuffer.length < total) this.idsBuffer = new Int32Array(Math.max(total, 2 * this.idsBuffer.length));
    const ids = this.idsBuffer.subarray(0, total);
    indices.forEach((n, i) => ids.set(tokens.ids.subarray(tokens.offsets[n], tokens.offsets[n + 1]), offsets[i]));
    return { ids, offsets };
  }
}

/** A new split holding the examples at indices, in that order (copies; image splits stay bytes). */
export function subsetSplit(split: Split, indices: ArrayLike<number>): Split {
  const count = indices.length;
  const out = selectExamples(split, indices);
  if (split.tokens !== undefined) {
    const { ids, offsets } = split.tokens;
    const newOffsets = new Int32Array(count + 1);
    for (let i = 0; i < count; i++) newOffsets[i + 1] = newOffsets[i] + offsets[indices[i] + 1] - offsets[indices[i]];
    const newIds = new Int32Array(newOffsets[count]);
    for (let i = 0; i < count; i++) newIds.set(ids.subarray(offsets[indices[i]], offsets[indices[i] + 1]), newOffsets[i]);
    out.tokens = { ids: newIds, offsets: newOffsets };
  }
  return out;
}

const ascending = (a: number, b: number): number => a - b;

/**
 * Holds out round(fraction * count) examples, chosen by rng, as a validation split; both parts
 * keep the original order of their examples.
 */
export function validationSplit(split: Split, fraction: number, rng: Rng): { train: Split; validation: Split } {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`validation fraction must be in [0, 1), got ${fraction}`);
  const order = rng.permutation(split.count);
  const k = Math.round(fraction * split.count);
  return {
    validation: subsetSplit(split, order.slice(0, k).sort(ascending)),
    train: subsetSplit(split, order.slice(k).sort(ascending)),
  };
}

/**
 * Symmetric label noise: exactly round(fraction * N) labels, chosen by rng, each replaced by a
 * class drawn uniformly from the other numClasses - 1. Returns a new array.
 */
export function injectLabelNoise(labels: Int32Array, fraction: number, numClasses: number, rng: Rng): Int32Array {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`label noise fraction must be in [0, 1], got ${fraction}`);
  if (numClasses < 2) throw new RangeError('label noise needs at least 2 classes');
  const noisy = Int32Array.from(labels);
  const flips = rng.permutation(labels.length).subarray(0, Math.round(fraction * labels.length));
  for (const n of flips) noisy[n] = (labels[n] + 1 + rng.int(numClasses - 1)) % numClasses;
  return noisy;
}

/** The first n examples, or with rng a random n of them (in their original order); n >= count returns the split itself. */
export function limitTrain(split: Split, n: number, rng?: Rng): Split {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`training subset size must be a positive integer, got ${n}`);
  if (n >= split.count) return split;
  const indices = rng === undefined ? Int32Array.from({ length: n }, (_, i) => i) : rng.permutation(split.count).slice(0, n).sort(ascending);
  return subsetSplit(split, indices);
}
