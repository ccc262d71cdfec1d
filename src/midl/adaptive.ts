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
 * the training batches the threshold is learned on and unseen data, so the mean active
 * fraction at eval comes out at or under beta.
 */
export const budgetMargin = 0.98;

/** The per-input cap kMax of an adaptive layer with budget beta and n neurons. */
export function adaptiveCap(budget: number, n: number): number {
  return keptCount(Math.min(1, adaptiveCapFactor * budget), n);
}

/**
 * The count-th largest value of values (1 <= count <= length), by quickselect on a copy:
 * the batch's cut-off gate, the smallest gate the batch top-k keeps.
 */
export function kthLargest(values: Float32Array, count: number): number {
  if (!(Number.isInteger(count) && count >= 1 && count <= values.length)) {
    throw new RangeError(`kthLargest: count must be in 1..${values.length}, got ${count}`);
  }
  const a = values.slice();
  const target = a.length - count; // index in ascending order
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = medianOfThree(a[lo], a[(lo + hi) >> 1], a[hi]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

function medianOfThree(x: number, y: number, z: number): number {
  return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
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
