/**
 * Minibatches over a split: a seeded order per epoch, each batch copied into buffers
 * that are reused across steps (no copy of the dataset per epoch).
 */
import type { Split } from '../data/types.js';
import type { Rng } from '../tensor/rng.js';

export interface Batch {
  x: Float32Array;
  y: Int32Array;
  size: number;
}

/** Yields batches of the split in the given order (all examples when order is null). */
export function* batchesOf(split: Split, features: number, batchSize: number, order: Int32Array | null): Generator<Batch> {
  const xs = new Float32Array(batchSize * features);
  const ys = new Int32Array(batchSize);
  for (let start = 0; start < split.count; start += batchSize) {
    const size = Math.min(batchSize, split.count - start);
    if (order === null) {
      yield { x: split.x.subarray(start * features, (start + size) * features), y: split.y.subarray(start, start + size), size };
      continue;
    }
    for (let i = 0; i < size; i++) {
      const e = order[start + i];
      xs.set(split.x.subarray(e * features, (e + 1) * features), i * features);
      ys[i] = split.y[e];
    }
    yield { x: xs.subarray(0, size * features), y: ys.subarray(0, size), size };
  }
}

/** A fresh shuffled order for one epoch. */
export function epochOrder(count: number, rng: Rng): Int32Array {
  return rng.permutation(count);
}
