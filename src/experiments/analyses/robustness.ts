/**
 * Robustness (docs/method.md section 4): symmetric label noise in training, scored on clean test
 * labels; Gaussian noise on the test inputs of trained models; and overfitting, a small
 * training subset trained for many epochs.
 */
import { limitTrain } from '../../data/loader.js';
import type { Dataset, Split } from '../../data/types.js';
import { Rng } from '../../tensor/rng.js';
import type { Variant } from '../models.js';
import { withGaussianNoise } from '../noise.js';
import type { Recipe } from '../recipes.js';
import type { TrainedRun } from '../run.js';
import type { InputNoiseRecord, LabelNoiseRecord, OverfittingRecord } from '../results.js';
import { prepareSplits, runTraining, type RunConfig, type RunHooks } from '../run.js';
import { evaluateAccuracy } from '../train.js';

/** How the extra models are trained: a recipe plus the study's keep ratio and dropout rate. */
export interface TrainingPlan extends Omit<Recipe, 'staticFinetuneEpochs'> {
  keep: number | number[];
  dropout: number;
}

/** Where a training run checkpoints (so a resumed study reuses it), and its progress hooks. */
export interface TrainingIo {
  outDir?: string;
  resume?: boolean;
  hooks?: RunHooks;
}

export interface LabelNoiseStudyRecord extends LabelNoiseRecord {
  epochs: number;
  train_examples: number;
  test_examples: number;
}

export interface InputNoiseStudyRecord extends InputNoiseRecord {
  test_examples: number;
}

export interface OverfittingStudyRecord extends OverfittingRecord {
  train_examples: number;
  test_examples: number;
}

export function planConfig(dataset: Dataset['name'], model: Variant, seed: number, plan: TrainingPlan): RunConfig {
  return {
    dataset, model, seed, epochs: plan.epochs, batchSize: plan.batchSize, lr: plan.lr, weightDecay: plan.weightDecay,
    keep: plan.keep, dropout: plan.dropout, limitTrain: plan.limitTrain, limitTest: plan.limitTest, labelNoise: 0,
    schedule: plan.schedule, augment: plan.augment,
  };
}

/** Trains with a fraction `noise` of the training labels flipped; tests on clean labels. */
export function labelNoiseRecord(
  data: Dataset, plan: TrainingPlan, model: Variant, seed: number, noise: number, io: TrainingIo = {},
): LabelNoiseStudyRecord {
  const r = runTraining(data, { ...planConfig(data.name, model, seed, plan), labelNoise: noise }, io);
  return {
    dataset: data.name, model, seed, noise, test_accuracy: r.testAccuracy,
    epochs: r.config.epochs, train_examples: r.train.count, test_examples: r.test.count,
  };
}

/**
 * Test accuracy of each trained model with N(0, sigma^2) added to its (normalized) test
 * inputs: its run's test split, or with `examples` a seeded random subset of that many of the
 * whole test split (random, since test splits may be sorted by label). All models of one
 * seed see the same examples and noise draws, so they are compared on equal inputs; sigma 0
 * is the clean reference.
 */
export function inputNoiseRecords(data: Dataset, runs: TrainedRun[], sigmas: number[], examples?: number): InputNoiseStudyRecord[] {
  const noisyBySeed = new Map<number, Split[]>();
  const noisyFor = (run: TrainedRun): Split[] => {
    const seed = run.config.seed;
    let noisy = noisyBySeed.get(seed);
    if (noisy === undefined) {
      const rng = new Rng(seed);
      const test = examples === undefined ? prepareSplits(data, run.config).test : limitTrain(data.test, examples, rng.fork());
      noisy = sigmas.map((sigma) => withGaussianNoise(test, sigma, rng.fork()));
      noisyBySeed.set(seed, noisy);
    }
    return noisy;
  };
  return runs.flatMap((run) =>
    noisyFor(run).map((test, i) => ({
      dataset: data.name, model: run.config.model, seed: run.config.seed, sigma: sigmas[i],
      test_accuracy: evaluateAccuracy(run.model, test, data.inputShape), test_examples: test.count,
    })),
  );
}

/**
 * Trains on `subset` (a share of the whole training split) for `epochs` epochs. Train accuracy
 * is measured in eval mode on the subset after the last epoch; the per-epoch curve's train
 * accuracy is the running accuracy of each training epoch (in training mode).
 */
export function overfittingRecord(
  data: Dataset, plan: TrainingPlan, model: Variant, seed: number, subset: number, epochs: number, io: TrainingIo = {},
): OverfittingStudyRecord {
  const limitTrain = Math.max(1, Math.round(subset * data.train.count));
  const r = runTraining(data, { ...planConfig(data.name, model, seed, plan), epochs, limitTrain }, io);
  const trainAccuracy = evaluateAccuracy(r.model, r.train, data.inputShape);
  const best = Math.max(r.testAccuracy, ...r.history.map((e) => e.test_accuracy));
  return {
    dataset: data.name, model, seed, subset, epochs,
    train_accuracy: trainAccuracy,
    best_test_accuracy: best,
    final_test_accuracy: r.testAccuracy,
    gap: trainAccuracy - r.testAccuracy,
    history: r.history.map((e) => ({ epoch: e.epoch, train_accuracy: e.train_accuracy, test_accuracy: e.test_accuracy })),
    train_examples: r.train.count,
    test_examples: r.test.count,
  };
}

/** The records of a robustness study of one dataset (what `midl robustness --json` prints). */
export interface RobustnessRecords {
  label_noise: LabelNoiseStudyRecord[];
  input_noise: InputNoiseStudyRecord[];
  overfitting: OverfittingStudyRecord[];
}

/** Which models, seeds and noise levels a robustness study runs; empty lists and a null subset skip a part. */
export interface RobustnessPlan {
  plan: TrainingPlan;
  models: Variant[];
  seeds: number[];
  labelNoise: number[];
  inputNoise: number[];
  subset: number | null;
  overfitEpochs: number;
}

/**
 * Every run of the plan, in model, seed order: a clean model (label noise 0, and the input
 * noise levels on its test split), a model per label noise level, and the overfitting run.
 * hooksFor(label) gives each training run its progress hooks.
 */
export function runRobustness(data: Dataset, p: RobustnessPlan, hooksFor: (label: string) => RunHooks = () => ({})): RobustnessRecords {
  const records: RobustnessRecords = { label_noise: [], input_noise: [], overfitting: [] };
  const percent = (x: number): string => `${Math.round(100 * x)}%`;
  for (const model of p.models) {
    for (const seed of p.seeds) {
      const label = `${data.name} ${model} seed ${seed}`;
      const clean = runTraining(data, planConfig(data.name, model, seed, p.plan), { hooks: hooksFor(`${label} clean`) });
      records.label_noise.push({
        dataset: data.name, model, seed, noise: 0, test_accuracy: clean.testAccuracy,
        epochs: p.plan.epochs, train_examples: clean.train.count, test_examples: clean.test.count,
      });
      records.input_noise.push(...inputNoiseRecords(data, [{ config: clean.config, model: clean.model }], [...new Set([0, ...p.inputNoise])]));
      for (const noise of p.labelNoise.filter((n) => n > 0)) {
        const hooks = hooksFor(`${label} ${percent(noise)} labels flipped`);
        records.label_noise.push(labelNoiseRecord(data, p.plan, model, seed, noise, { hooks }));
      }
      if (p.subset !== null) {
        const hooks = hooksFor(`${label} ${percent(p.subset)} subset`);
        records.overfitting.push(overfittingRecord(data, p.plan, model, seed, p.subset, p.overfitEpochs, { hooks }));
      }
    }
  }
  return records;
}
