/**
 * Adaptive selection (docs/method.md section 6): instead of k neurons per input, a budget
 * beta of the layer's B x n (example, neuron) pairs per batch. Training keeps the beta * B * n
 * largest gates of the batch (a batch top-k), so an input with many high gates uses more
 * neurons and one with few uses fewer, at most kMax; eval mode, which sees one example at a
 * time as often as a batch, keeps the gates above a per-layer threshold: the running mean of
 * the training batches' cut-off gates, which keeps the same fraction on the same data.
 */
import { keptCount } from './shape.js';

/** How a MID-L layer chooses its active neurons: k per input ('fixed') or a budget ('adaptive'). */
export const selectionModes = ['fixed', 'adaptive'] as const;
export type SelectionMode = (typeof selectionModes)[number];

/** kMax = round(min(1, capFactor * beta) * n): an input uses at most twice the budget. */
export const adaptiveCapFactor = 2;

/**
 * Momentum m of the running threshold: it averages about the last 1 / (1 - m) = 10 batches,
 * so it lags little behind gates that drift while training (a slower average let eval mode
 * overrun the budget by up to 0.8 points on MNIST).
 */
export const thresholdMomentum = 0.9;

/**
 * The layer aims at budgetMargin * beta, not beta: the margin absorbs the difference between
 * the training batches the threshold is learned on and unseen data (it grows as a model fits
 * its training set: up to 1.1 points over the aim on MNIST after 10 epochs), so the mean
 * active fraction at eval comes out at or under beta.
 */
export const budgetMargin = 0.96;

/** The per-input cap kMax of an adaptive layer with budget beta and n neurons. */
export function adaptiveCap(budget: number, n: number): number {
  return keptCount(Math.min(1, adaptiveCapFactor * budget), n);
}

/**
 * The count-th largest value of values (1 <= count <= length): the batch's cut-off gate, the
 * smallest gate the batch top-k keeps. A two-pass radix select on the floats' bits (mapped
 * so that unsigned order is float order): a histogram of the top 16 bits finds the bucket
 * holding the answer, a histogram of the low 16 bits of that bucket finds it exactly. Two
 * linear passes, a fraction of a sort's time on the B x n gates of a batch.
 */
export function kthLargest(values: Float32Array, count: number): number {
  if (!(Number.isInteger(count) && count >= 1 && count <= values.length)) {
    throw new RangeError(`kthLargest: count must be in 1..${values.length}, got ${count}`);
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const rank = values.length - count; // 0-based, in ascending order
  const high = new Uint32Array(65536);
  for (let i = 0; i < bits.length; i++) high[orderedKey(bits[i]) >>> 16]++;
  const [bucket, rest] = locate(high, rank);
  const low = new Uint32Array(65536);
  for (let i = 0; i < bits.length; i++) {
    const key = orderedKey(bits[i]);
    if (key >>> 16 === bucket) low[key & 0xffff]++;
  }
  const [lowBits] = locate(low, rest);
  const key = ((bucket << 16) | lowBits) >>> 0;
  scratchBits[0] = key & 0x80000000 ? key ^ 0x80000000 : ~key >>> 0;
  return scratchFloat[0];
}

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/** Float bits to a key whose unsigned order is the floats' order (negatives flipped, positives offset). */
function orderedKey(b: number): number {
  return (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
}

/** The bin holding the element of the given rank, and that element's rank within the bin. */
function locate(histogram: Uint32Array, rank: number): [number, number] {
  let before = 0;
  for (let bin = 0; bin < histogram.length; bin++) {
    if (before + histogram[bin] > rank) return [bin, rank - before];
    before += histogram[bin];
  }
  throw new RangeError('kthLargest: rank beyond the values');
}

/**
 * The threshold of one adaptive layer: per training batch the cut-off gate tau_b that keeps
 * round(budgetMargin * beta * B * n) gates, and the running threshold tau = m * tau + (1 - m) * tau_b that
 * eval mode applies (the first batch sets it). `state` (one float, NaN before training) is
 * the layer's `budget_threshold` buffer, saved with the model.
 */
export class BudgetThreshold {
  readonly state = Float32Array.of(NaN);

  /**
   * The batch's cut-off gate for the budget: the smallest of its round(budgetMargin * beta * B * n)
   * largest gates (at least one gate is kept); updates the running threshold.
   */
  batchCutoff(alpha: Float32Array, budget: number): number {
    const cutoff = kthLargest(alpha, Math.max(1, Math.round(budgetMargin * budget * alpha.length)));
    const tau = this.state[0];
    this.state[0] = Number.isNaN(tau) ? cutoff : thresholdMomentum * tau + (1 - thresholdMomentum) * cutoff;
    return cutoff;
  }

  /** The running threshold, or null before any training batch. */
  running(): number | null {
    return Number.isNaN(this.state[0]) ? null : this.state[0];
  }
}
