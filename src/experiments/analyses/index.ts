/**
 * The study's further analyses (docs/method.md section 4), run by `midl reproduce` as units of
 * the study (study/execute.ts runs one analysis of one dataset; the robustness analysis's
 * extra trainings and the frontier's trainings are units of their own, and the frontier's
 * points are assembled there): SMI of the trained models' hidden layers, robustness (input
 * noise on the trained models; label noise and overfitting on extra models), latency and
 * memory, and activity. Results land in results.analyses; the settings
 * used land in results.config.analyses, so every number states how it was made.
 */
import * as path from 'node:path';
import { datasetNames, type Dataset, type DatasetName } from '../../data/types.js';
import { variants, type Variant } from '../models.js';
import type { TrainedRun } from '../run.js';
import type { Analyses, StudyResults } from '../results.js';
import { prepareSplits, type RunConfig, type RunHooks } from '../run.js';
import { defaultFrontierKeeps } from '../frontier.js';
import { activityRecords } from './activity.js';
import { benchModels, type TimingSettings } from './latency-memory.js';
import {
  inputNoiseRecords, labelNoiseRecord, overfittingRecord, type LabelNoiseStudyRecord, type TrainingIo, type TrainingPlan,
} from './robustness.js';
import { smiOfModel, smiSampleProblem } from './smi-study.js';

export const analysisNames = ['smi', 'robustness', 'latency', 'activity', 'frontier'] as const;
export type AnalysisName = (typeof analysisNames)[number];
/** The analyses reproduce runs by default: all of them. */
export const defaultAnalyses: AnalysisName[] = [...analysisNames];

export interface AnalysisSettings {
  analyses: AnalysisName[];
  smi: { directions: number; examples: number; neuron_share: number; seed: number; models: Variant[] };
  robustness: {
    /** Input noise sigmas, evaluated on the trained models (0 is the clean reference). */
    input_noise: number[];
    /** A seeded random subset of this many test examples (null: each run's own test split). */
    input_noise_examples: number | null;
    /** Label noise fractions, each a model trained with the study's recipe. */
    label_noise: number[];
    /** Share of the training split used for the overfitting runs. */
    subset: number;
    /** Their epochs. */
    overfitting_epochs: number;
    /** Datasets that train the extra label-noise and overfitting models. */
    training_datasets: DatasetName[];
    /** The models tested with input noise (every seed's run) and trained with label noise and on the subset. */
    models: Variant[];
    /** Whose seeds the extra label-noise and overfitting models repeat: the first or all. */
    seeds: 'first' | 'all';
  };
  latency: TimingSettings & { models: Variant[] };
  /** Activity: every seed's MID-L runs, on each run's test split. */
  activity: { models: Variant[] };
  /** Frontier: the keeps, trained with the study's recipe for the first seed. */
  frontier: { keeps: number[]; seeds: 'first' };
}

/**
 * The settings of the full study and of --quick. Quick keeps the whole reproduce in minutes
 * on two cores (the image benchmarks' CNN forwards dominate): SMI and robustness for dense
 * and MID-L of the first seed only; SMI on 500 test examples and 200 directions; input noise
 * clean and at one strength on 500 test examples; extra training (one label-noise level, one
 * overfitting run) only on adult, the cheapest benchmark; latency at batch 1 and 64 with a
 * short budget.
 */
export function analysisSettings(quick: boolean, analyses: AnalysisName[] = defaultAnalyses): AnalysisSettings {
  if (quick) {
    return {
      analyses,
      smi: { directions: 200, examples: 500, neuron_share: 0.25, seed: 1, models: ['dense', 'midl'] },
      robustness: {
        input_noise: [0, 0.2], input_noise_examples: 500, label_noise: [0.4], subset: 0.1, overfitting_epochs: 20,
        training_datasets: ['adult'], models: ['dense', 'midl'], seeds: 'first',
      },
      latency: { batches: [1, 64], budgetMs: 300, minRuns: 5, maxRuns: 500, warmup: 1, blocks: 1, models: ['dense', 'dropout', 'static', 'midl', 'midl-conv'] },
      activity: { models: ['midl'] },
      frontier: { keeps: [0.25, 0.45], seeds: 'first' },
    };
  }
  return {
    analyses,
    smi: { directions: 1000, examples: 2000, neuron_share: 0.25, seed: 1, models: [...variants] },
    robustness: {
      input_noise: [0, 0.1, 0.2, 0.3], input_noise_examples: null, label_noise: [0.2, 0.4], subset: 0.1, overfitting_epochs: 40,
      training_datasets: [...datasetNames], models: ['dense', 'dropout', 'midl'], seeds: 'first',
    },
    latency: { batches: [1, 32, 256], budgetMs: 1000, minRuns: 20, maxRuns: 2000, warmup: 10, blocks: 5, models: ['dense', 'dropout', 'static', 'midl', 'midl-conv'] },
    activity: { models: ['midl'] },
    frontier: { keeps: [...defaultFrontierKeeps], seeds: 'first' },
  };
}

export interface StudyAnalysisOptions {
  settings: AnalysisSettings;
  /** The study's output directory: extra models checkpoint under DIR/analyses/. */
  outDir: string;
  resume: boolean;
  /**
   * The study's overrides of its recipes (tiny runs, e.g. --epochs, --limit-train): the
   * overfitting runs then use the overridden epochs and at most the overridden examples.
   */
  override?: { epochs?: number; limitTrain?: number; limitTest?: number };
  log?: (line: string) => void;
  onRunStart?: (label: string) => RunHooks | undefined;
}

/** The training plan of the extra models: the recipe a trained run of the dataset used. */
function planOf(c: RunConfig): TrainingPlan {
  return {
    epochs: c.epochs, batchSize: c.batchSize, lr: c.lr, weightDecay: c.weightDecay,
    limitTrain: c.limitTrain, limitTest: c.limitTest, keep: c.keep, dropout: c.dropout,
    schedule: c.schedule, augment: c.augment,
  };
}

/** The trained runs of the first seed (one per model), in study order. */
function firstSeedRuns(trained: TrainedRun[]): TrainedRun[] {
  const seed = trained[0]?.config.seed;
  return trained.filter((r) => r.config.seed === seed);
}

/** SMI on a random sample of the whole test split (the study's test limit takes the first examples). */
function smiAnalysis(data: Dataset, trained: TrainedRun[], s: AnalysisSettings['smi'], analyses: Analyses, log?: (line: string) => void): void {
  const settings = { directions: s.directions, examples: s.examples, seed: s.seed, neuronShare: s.neuron_share };
  const problem = smiSampleProblem(data.test, settings);
  if (problem !== null) {
    log?.(`${data.name}: no SMI: ${problem}`);
    return;
  }
  for (const run of firstSeedRuns(trained).filter((r) => s.models.includes(r.config.model))) {
    const subject = { dataset: data.name, model: run.config.model, seed: run.config.seed };
    (analyses.smi ??= []).push(...smiOfModel(run.model, subject, data.test, data.inputShape, settings));
  }
}

/** The study run itself as the label-noise reference: the same recipe with no label flipped. */
function cleanReference(results: StudyResults, c: RunConfig): LabelNoiseStudyRecord[] {
  const run = results.runs.find((r) => r.dataset === c.dataset && r.model === c.model && r.seed === c.seed);
  if (run === undefined) return [];
  return [{
    dataset: c.dataset, model: c.model, seed: c.seed, noise: 0, test_accuracy: run.test_accuracy,
    epochs: run.epochs, train_examples: run.train_examples, test_examples: run.test_examples,
  }];
}

function robustnessAnalysis(data: Dataset, trained: TrainedRun[], o: StudyAnalysisOptions, results: StudyResults): void {
  const s = o.settings.robustness;
  const records = ((results.analyses ??= {}).robustness ??= { label_noise: [], input_noise: [], overfitting: [] });
  const ofModels = (runs: TrainedRun[]): TrainedRun[] => runs.filter((r) => s.models.includes(r.config.model));
  records.input_noise.push(...inputNoiseRecords(data, ofModels(trained), s.input_noise, s.input_noise_examples ?? undefined));
  if (!s.training_datasets.includes(data.name)) return;
  const runs = ofModels(s.seeds === 'first' ? firstSeedRuns(trained) : trained);
  const io = (label: string, dir: string): TrainingIo => ({
    outDir: path.join(o.outDir, 'analyses', dir), resume: o.resume, hooks: o.onRunStart?.(`${data.name} ${label}`),
  });
  for (const run of runs) {
    const { model, seed } = run.config;
    const plan = planOf(run.config);
    const name = `${data.name}-${model}-s${seed}`;
    records.label_noise.push(...cleanReference(results, run.config));
    for (const noise of s.label_noise) {
      const label = `${model} seed ${seed} with ${Math.round(noise * 100)}% labels flipped`;
      records.label_noise.push(labelNoiseRecord(data, plan, model, seed, noise, io(label, `${name}-labelnoise${noise}`)));
    }
    const epochs = o.override?.epochs ?? s.overfitting_epochs;
    const subset = Math.min(s.subset, (o.override?.limitTrain ?? Infinity) / data.train.count);
    const label = `${model} seed ${seed} on a ${(subset * 100).toPrecision(2)}% subset for ${epochs} epochs`;
    records.overfitting.push(overfittingRecord(data, plan, model, seed, subset, epochs, io(label, `${name}-overfitting`)));
  }
}

function latencyAnalysis(data: Dataset, trained: TrainedRun[], s: AnalysisSettings['latency'], analyses: Analyses): void {
  const runs = firstSeedRuns(trained).filter((r) => s.models.includes(r.config.model));
  if (runs.length === 0) return;
  const { test } = prepareSplits(data, runs[0].config);
  const subjects = runs.map((r) => ({ model: r.config.model, net: r.model }));
  (analyses.latency ??= []).push(...benchModels(data.name, subjects, test, data.inputShape, s));
}

/** Active neurons per example of each MID-L layer: overall, per class, correct against wrong. */
function activityAnalysis(data: Dataset, trained: TrainedRun[], s: AnalysisSettings['activity'], analyses: Analyses): void {
  for (const run of trained.filter((r) => s.models.includes(r.config.model))) {
    const { test } = prepareSplits(data, run.config);
    const subject = { dataset: data.name, model: run.config.model, seed: run.config.seed };
    (analyses.activity ??= []).push(...activityRecords(subject, run.model, test, data.inputShape, data.numClasses));
  }
}

/** Runs the selected analyses on one dataset's trained models (study/execute.ts calls it per analysis unit). */
export function studyAnalyses(o: StudyAnalysisOptions): (data: Dataset, trained: TrainedRun[], results: StudyResults) => void {
  const chosen = new Set(o.settings.analyses);
  return (data, trained, results) => {
    results.config.analyses = o.settings;
    const analyses = (results.analyses ??= {});
    const timed = (name: AnalysisName, fn: () => void): void => {
      if (!chosen.has(name)) return;
      const started = Date.now();
      fn();
      o.log?.(`${data.name}: ${name} analysis done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    };
    timed('smi', () => smiAnalysis(data, trained, o.settings.smi, analyses, o.log));
    timed('robustness', () => robustnessAnalysis(data, trained, o, results));
    timed('latency', () => latencyAnalysis(data, trained, o.settings.latency, analyses));
    timed('activity', () => activityAnalysis(data, trained, o.settings.activity, analyses));
  };
}
