/**
 * An estimate of each unit's cost in seconds, to balance shares: the floating-point work of
 * training and evaluation from each dataset's full size (capped by the recipe's limits) and
 * its model family (the small CNN of the image benchmarks costs about 40 MLP forwards per
 * example), at rates read off the study's recorded train times, plus fixed overheads. Only
 * the ratios matter; they are computed without reading any data, so every process splits
 * the study the same way. A dataset present only as a small subset (SVHN's 17 digits here)
 * is overestimated, which makes the shares less even.
 */
import type { DatasetName } from '../../data/types.js';
import type { AnalysisSettings } from '../analyses/index.js';
import type { ExtraUnit, FrontierUnit, StudySpec, StudyUnit } from './units.js';
import { studyRecipe } from './units.js';

interface DatasetFacts {
  train: number;
  test: number;
  /** Forward FLOPs per example of the dataset's study model (models.ts). */
  forwardFlops: number;
  /** FLOPs per second relative to the MLPs' matrix products. */
  speed: number;
}

const mlpFlops = (widths: number[]): number => widths.slice(1).reduce((sum, w, i) => sum + 2 * widths[i] * w, 0);
/** Two 3x3 conv blocks (32, 64 channels) on 32x32 RGB, 2x2 pools, a 512-wide head. */
const cnnFlops = (classes: number): number =>
  2 * 9 * (3 * 32 * 1024 + 32 * 32 * 1024 + 32 * 64 * 256 + 64 * 64 * 256) + mlpFlops([64 * 8 * 8, 512, classes]);

/** The full splits' sizes (docs/datasets.md); a missing dataset still gets its share. */
/**
 * The CNN trains at about 0.7x the MLPs' FLOP rate: docs/results.md's dense runs took 28 s for
 * MNIST (2.5e12 FLOPs by this model) and 5.5 min for CIFAR-10 (2.0e13).
 */
const CNN_SPEED = 0.7;
const facts: Record<DatasetName, DatasetFacts> = {
  mnist: { train: 60000, test: 10000, forwardFlops: mlpFlops([784, 512, 512, 10]), speed: 1 },
  cifar10: { train: 50000, test: 10000, forwardFlops: cnnFlops(10), speed: CNN_SPEED },
  cifar100: { train: 50000, test: 10000, forwardFlops: cnnFlops(100), speed: CNN_SPEED },
  svhn: { train: 73257, test: 26032, forwardFlops: cnnFlops(10), speed: CNN_SPEED },
  adult: { train: 32561, test: 16281, forwardFlops: mlpFlops([108, 256, 256, 2]), speed: 1 },
  imdb: { train: 25000, test: 25000, forwardFlops: mlpFlops([10000, 256, 256, 2]), speed: 1 },
};

/** A training step costs about three forwards (forward, two backward products). */
const TRAIN_FACTOR = 3;
/** The MLPs' FLOPs per second in training (docs/results.md's MNIST runs, 2 cores). */
const RATE = 8e10;
/** Checkpoints, evaluation set-up and the latency measurement: seconds per run, whatever its size. */
const RUN_OVERHEAD_S = 2;

function used(limit: number | null, count: number): number {
  return limit === null ? count : Math.min(limit, count);
}

/** MLP-equivalent FLOPs of training for `epochs` on `train` examples, evaluating on `test` after each. */
function trainingFlops(f: DatasetFacts, epochs: number, train: number, test: number): number {
  return (epochs * (TRAIN_FACTOR * train + test) * f.forwardFlops + test * f.forwardFlops) / f.speed;
}

function analysisFlops(spec: StudySpec, dataset: DatasetName, name: keyof Omit<AnalysisSettings, 'analyses'>): number {
  const s = spec.analyses as AnalysisSettings;
  const f = facts[dataset];
  const r = studyRecipe(spec, dataset);
  const test = used(r.limitTest, f.test);
  if (name === 'smi') return (s.smi.models.length * 2 * Math.min(s.smi.examples, f.test) * f.forwardFlops) / f.speed;
  if (name === 'latency') {
    const seconds = s.latency.models.length * s.latency.batches.length * (s.latency.budgetMs / 1000) * s.latency.blocks;
    return seconds * RATE;
  }
  if (name === 'activity') return (s.activity.models.length * spec.seeds.length * test * f.forwardFlops) / f.speed;
  // The frontier's trainings are units of their own; the analysis only assembles their points.
  if (name === 'frontier') return 0;
  const rob = s.robustness;
  return (rob.models.length * spec.seeds.length * rob.input_noise.length * (rob.input_noise_examples ?? test) * f.forwardFlops) / f.speed;
}

/** An extra training of the robustness analysis: the recipe with noisy labels, or the overfitting subset. */
function extraFlops(spec: StudySpec, u: ExtraUnit): number {
  const s = spec.analyses as AnalysisSettings;
  const f = facts[u.dataset];
  const r = studyRecipe(spec, u.dataset);
  const train = used(r.limitTrain, f.train);
  const test = used(r.limitTest, f.test);
  if (u.labelNoise !== undefined) return trainingFlops(f, r.epochs, train, test);
  const subset = Math.min(train, Math.round(s.robustness.subset * f.train));
  return trainingFlops(f, spec.override.epochs ?? s.robustness.overfitting_epochs, subset, test);
}

/**
 * A frontier training: the recipe, at the study model's FLOPs (MID-L's and the narrow model's
 * hidden layers are cheaper, but the convolutions of the image benchmarks, which dominate, are not).
 */
function frontierFlops(spec: StudySpec, u: FrontierUnit): number {
  const f = facts[u.dataset];
  const r = studyRecipe(spec, u.dataset);
  const epochs = r.epochs + (u.model === 'static' ? r.staticFinetuneEpochs : 0);
  return trainingFlops(f, epochs, used(r.limitTrain, f.train), used(r.limitTest, f.test));
}

/** A unit's estimated cost in seconds on 2 cores (only ratios between units matter). */
export function unitCost(spec: StudySpec, unit: StudyUnit): number {
  const f = facts[unit.dataset];
  if (unit.kind === 'extra') return RUN_OVERHEAD_S + extraFlops(spec, unit) / RATE;
  if (unit.kind === 'frontier') return RUN_OVERHEAD_S + frontierFlops(spec, unit) / RATE;
  if (unit.kind === 'analysis') return RUN_OVERHEAD_S + analysisFlops(spec, unit.dataset, unit.analysis) / RATE;
  const r = unit.recipe;
  const epochs = r.epochs + (unit.model === 'static' ? r.staticFinetuneEpochs : 0);
  return RUN_OVERHEAD_S + trainingFlops(f, epochs, used(r.limitTrain, f.train), used(r.limitTest, f.test)) / RATE;
}
