/**
 * The SMI analysis of a trained model (docs/method.md section 4): SMI(H; Y) of each hidden layer's
 * activations on test examples, and for MID-L layers the per-neuron I(h_j; Y) of the neurons
 * the gate selects most often against those it selects least often (the top and bottom
 * quarter by selection frequency on the same examples).
 */
import { limitTrain } from '../../data/loader.js';
import type { Split } from '../../data/types.js';
import { MIDL } from '../../midl/layer.js';
import type { AnyModule } from '../../nn/module.js';
import { Rng } from '../../tensor/rng.js';
import type { ModelKind, SmiRecord } from '../results.js';
import { captureHidden, pickLayers, type HiddenLayer, type Representation } from './hidden.js';
import { perNeuronMutualInformation, slicedMutualInformation } from './smi.js';

export interface SmiSettings {
  /** Random directions m (>= 2, so the standard error exists). */
  directions: number;
  /** A seeded random subset of this many test examples (test splits may be sorted by label). */
  examples: number;
  /** Seeds the subset and the directions. */
  seed: number;
  /** Share of a MID-L layer's neurons in each of the most- and least-selected groups. */
  neuronShare: number;
}

/** Mean and quartiles of a set of values. */
export interface Distribution {
  mean: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

export interface NeuronGroups {
  /** I(h_j; Y), nats, of the most-selected neurons, in decreasing order of selection frequency. */
  selected_most: number[];
  /** The same for the least-selected neurons, in increasing order of selection frequency. */
  selected_least: number[];
  /** Their neuron indices, in the same order. */
  neurons_most: number[];
  neurons_least: number[];
  /** Fraction of the examples that selected each of those neurons, in the same order. */
  selection_rate_most: number[];
  selection_rate_least: number[];
  summary: { selected_most: Distribution; selected_least: Distribution };
  /** Share of the layer's neurons in each group. */
  share: number;
}

/** SmiRecord plus where the layer sits and what the estimate rests on. */
export interface SmiStudyRecord extends SmiRecord {
  seed: number;
  /** The layer's module path in the model. */
  module: string;
  width: number;
  per_neuron?: NeuronGroups;
}

export interface ModelSubject {
  dataset: string;
  model: ModelKind;
  seed: number;
}

/** Linear-interpolated quantile of ascending values. */
function quantile(sorted: number[], q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

export function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    min: sorted[0],
    q1: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    q3: quantile(sorted, 0.75),
    max: sorted[sorted.length - 1],
  };
}

/** The columns of an n x d matrix at the given indices, as an n x cols.length matrix. */
function columns(r: Representation, cols: number[]): Float32Array {
  const out = new Float32Array(r.n * cols.length);
  for (let i = 0; i < r.n; i++) cols.forEach((j, c) => (out[i * cols.length + c] = r.values[i * r.d + j]));
  return out;
}

/** Most- and least-selected neurons (ties to the lower index) and their I(h_j; Y). */
export function neuronGroups(r: Representation, labels: Int32Array, selections: Float64Array, share: number): NeuronGroups {
  const byFrequency = Array.from({ length: r.d }, (_, j) => j).sort((a, b) => selections[b] - selections[a] || a - b);
  const size = Math.max(1, Math.round(share * r.d));
  const most = byFrequency.slice(0, size);
  const least = byFrequency.slice(-size).reverse();
  const mi = (cols: number[]): number[] => [...perNeuronMutualInformation(columns(r, cols), r.n, cols.length, labels)];
  const selectedMost = mi(most);
  const selectedLeast = mi(least);
  const rate = (cols: number[]): number[] => cols.map((j) => selections[j] / r.n);
  return {
    selected_most: selectedMost,
    selected_least: selectedLeast,
    neurons_most: most,
    neurons_least: least,
    selection_rate_most: rate(most),
    selection_rate_least: rate(least),
    summary: { selected_most: distribution(selectedMost), selected_least: distribution(selectedLeast) },
    share,
  };
}

/** Eval-mode activations of the layers, with each MID-L layer's selection counts over the same examples. */
function captureWithSelections(
  model: AnyModule, sample: Split, inputShape: number[], layers: HiddenLayer[],
): { representations: Representation[]; labels: Int32Array; selections: Map<AnyModule, Float64Array> } {
  const midls = layers.map((l) => l.module).filter((m): m is MIDL => m instanceof MIDL);
  for (const m of midls) m.selectionCounts = new Float64Array(m.outFeatures);
  try {
    const captured = captureHidden(model, sample, inputShape, layers);
    return { ...captured, selections: new Map(midls.map((m) => [m, m.selectionCounts as Float64Array])) };
  } finally {
    for (const m of midls) m.selectionCounts = null;
  }
}

/** The examples SMI uses: the first fork of the seed draws them, the later forks the directions. */
function smiSample(test: Split, s: SmiSettings, root: Rng): Split {
  return limitTrain(test, s.examples, root.fork());
}

/** Why SMI cannot be estimated on the test split's sample (MI needs two labels seen twice each), or null. */
export function smiSampleProblem(test: Split, s: SmiSettings): string | null {
  const labels = smiSample(test, s, new Rng(s.seed)).y;
  const counts = new Map<number, number>();
  for (const y of labels) counts.set(y, (counts.get(y) ?? 0) + 1);
  const repeated = [...counts.values()].filter((c) => c >= 2).length;
  return repeated >= 2 ? null : `${labels.length} test examples hold ${repeated} label(s) seen twice or more; SMI needs 2`;
}

/** SMI records of the model's hidden layers (all, or those named by hidden name or module path). */
export function smiOfModel(
  model: AnyModule, subject: ModelSubject, test: Split, inputShape: number[], s: SmiSettings, layerNames?: string[],
): SmiStudyRecord[] {
  if (!Number.isInteger(s.directions) || s.directions < 2) throw new RangeError(`SMI needs at least 2 directions, got ${s.directions}`);
  const layers = pickLayers(model, layerNames);
  const root = new Rng(s.seed);
  const { representations, labels, selections } = captureWithSelections(model, smiSample(test, s, root), inputShape, layers);
  return representations.map((r) => {
    const smi = slicedMutualInformation(r.values, r.n, r.d, labels, { directions: s.directions, rng: root.fork() });
    const record: SmiStudyRecord = {
      ...subject, layer: r.layer.name, module: r.layer.path, width: r.d,
      smi: smi.smi, stderr: smi.stderr, directions: smi.directions, examples: smi.examples,
    };
    const counts = selections.get(r.layer.module);
    if (counts !== undefined) record.per_neuron = neuronGroups(r, labels, counts, s.neuronShare);
    return record;
  });
}
