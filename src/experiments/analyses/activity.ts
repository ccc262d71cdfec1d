/**
 * The activity analysis: per MID-L layer of a trained model, the distribution over test
 * examples of how many neurons each example kept active (histogram, mean, std, min, max),
 * overall, per class, and for correctly against wrongly classified examples. With a fixed k
 * every distribution is a single spike at k; with adaptive selection (docs/method.md
 * section 6) it shows which inputs get more computation.
 */
import { DataLoader } from '../../data/loader.js';
import type { Split } from '../../data/types.js';
import { MIDL } from '../../midl/layer.js';
import type { Sequential } from '../../nn/sequential.js';
import { Tensor, noGrad } from '../../tensor/tensor.js';

/** Active-neuron counts of a group of examples. */
export interface ActiveDistribution {
  examples: number;
  mean: number;
  /** Population standard deviation of the count. */
  std: number;
  min: number;
  max: number;
  /** histogram[c] = examples with exactly c active neurons, c = 0..neurons (empty group: all zero). */
  histogram: number[];
}

export interface ActivityRecord {
  dataset: string;
  model: string;
  seed: number;
  /** The layer's module path. */
  layer: string;
  neurons: number;
  /** Its k, or adaptive mode's per-input cap. */
  k: number;
  overall: ActiveDistribution;
  per_class: Array<{ label: number } & Omit<ActiveDistribution, 'histogram'>>;
  correct: ActiveDistribution;
  wrong: ActiveDistribution;
}

/** The distribution of the counts picked out by `take`. */
function distribution(counts: Int32Array, neurons: number, take: (i: number) => boolean): ActiveDistribution {
  const histogram = new Array<number>(neurons + 1).fill(0);
  let examples = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  counts.forEach((c, i) => {
    if (!take(i)) return;
    histogram[c]++;
    examples++;
    sum += c;
    min = Math.min(min, c);
    max = Math.max(max, c);
  });
  const mean = examples === 0 ? 0 : sum / examples;
  const squares = histogram.reduce((acc, h, c) => acc + h * (c - mean) ** 2, 0);
  return { examples, mean, std: examples === 0 ? 0 : Math.sqrt(squares / examples), min: examples === 0 ? 0 : min, max: examples === 0 ? 0 : max, histogram };
}

/**
 * Runs the model over the split in eval mode and returns, per MID-L layer, its active count
 * for every example, and whether each example was classified correctly.
 */
export function perExampleActivity(model: Sequential, split: Split, inputShape: number[]): { layers: Array<[string, MIDL, Int32Array]>; correct: Uint8Array } {
  const layers = model.namedModules().filter((e): e is [string, MIDL] => e[1] instanceof MIDL)
    .map(([name, m]): [string, MIDL, Int32Array] => [name, m, new Int32Array(split.count)]);
  const correct = new Uint8Array(split.count);
  model.eval();
  let offset = 0;
  noGrad(() => {
    for (const batch of new DataLoader(split, { batchSize: 500, shuffle: false }).epoch()) {
      const logits = model.forward(new Tensor(batch.x, [batch.size, ...inputShape]));
      const classes = logits.shape[1];
      for (let i = 0; i < batch.size; i++) {
        let best = 0;
        for (let c = 1; c < classes; c++) if (logits.data[i * classes + c] > logits.data[i * classes + best]) best = c;
        correct[offset + i] = best === batch.y[i] ? 1 : 0;
      }
      for (const [, m, counts] of layers) counts.set(m.lastActiveCounts, offset);
      offset += batch.size;
    }
  });
  return { layers, correct };
}

/** The activity records of one trained model on a test split. */
export function activityRecords(
  subject: { dataset: string; model: string; seed: number }, model: Sequential, test: Split, inputShape: number[], numClasses: number,
): ActivityRecord[] {
  const { layers, correct } = perExampleActivity(model, test, inputShape);
  return layers.map(([layer, m, counts]) => ({
    ...subject, layer, neurons: m.outFeatures, k: m.currentK(),
    overall: distribution(counts, m.outFeatures, () => true),
    per_class: Array.from({ length: numClasses }, (_, label) => {
      const { histogram: _h, ...rest } = distribution(counts, m.outFeatures, (i) => test.y[i] === label);
      return { label, ...rest };
    }),
    correct: distribution(counts, m.outFeatures, (i) => correct[i] === 1),
    wrong: distribution(counts, m.outFeatures, (i) => correct[i] === 0),
  }));
}
