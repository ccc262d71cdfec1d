/**
 * Running one unit of the study and making its record: a training run (trained, evaluated,
 * latency measured), an analysis of a dataset's trained runs, whose models it loads from
 * their final checkpoints (so it needs nothing from the process that trained them), an
 * extra training of the robustness analysis, or a training of the frontier.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Dataset } from '../../data/types.js';
import { studyAnalyses, type AnalysisSettings } from '../analyses/index.js';
import { labelNoiseRecord, overfittingRecord, type TrainingIo, type TrainingPlan } from '../analyses/robustness.js';
import {
  frontierPlan, frontierVerdicts, trainFrontierPoint, type FrontierPoint, type FrontierSettings, type FrontierVerdict,
} from '../frontier.js';
import { batchFrom, measureLatency } from '../latency.js';
import { describeMachine, otherCpuMeter } from '../machine.js';
import type { TrainedRun } from '../run.js';
import type { LabelNoiseRecord, OverfittingRecord, RunRecord, StudyResults } from '../results.js';
import { modelFromCheckpoint, runSummary, runTraining, type RunHooks, type RunOutcome } from '../run.js';
import { RECORD_FORMAT, type UnitRecord } from './records.js';
import {
  studyKey, studyRecipe, type AnalysisUnit, type ExtraUnit, type FrontierUnit, type RunUnit, type StudySpec,
} from './units.js';

export interface UnitContext {
  spec: StudySpec;
  outDir: string;
  resume: boolean;
  log: (line: string) => void;
  /** Progress hooks of the extra trainings of the analyses. */
  onAnalysisRunStart?: (label: string) => RunHooks | undefined;
}

/**
 * A run's checkpoints and model files: DIR/runs/<dataset>-<model>-s<seed>/ (where `midl bench
 * model --checkpoint-dir DIR` finds them; one DIR holds one study, so the name is unique).
 */
export function runDir(outDir: string, run: { dataset: string; model: string; seed: number }): string {
  return path.join(outDir, 'runs', `${run.dataset}-${run.model}-s${run.seed}`);
}

function latencyOf(r: RunOutcome, inputShape: number[]): { batch1: number; batch256: number } {
  return {
    batch1: measureLatency(r.model, batchFrom(r.test, inputShape, 1)).median_ms,
    batch256: measureLatency(r.model, batchFrom(r.test, inputShape, 256)).median_ms,
  };
}

function recordOf(c: UnitContext, id: string, started: string, result: Partial<UnitRecord>): UnitRecord {
  return {
    format: RECORD_FORMAT, id, study: studyKey(c.spec), spec: c.spec, machine: describeMachine(),
    started_at: started, finished_at: new Date().toISOString(), ...result,
  };
}

/** The record of a unit whose dataset could not be loaded. */
export function skippedRecord(c: UnitContext, id: string, reason: string): UnitRecord {
  const now = new Date().toISOString();
  return recordOf(c, id, now, { skipped: reason });
}

/** Trains, evaluates and times one run (resuming its checkpoint with c.resume). */
export function executeRun(c: UnitContext, u: RunUnit, data: Dataset, hooks?: RunHooks): UnitRecord {
  const started = new Date().toISOString();
  const recipe = u.recipe;
  const otherCpu = otherCpuMeter();
  const r = runTraining(data, {
    dataset: u.dataset, model: u.model, seed: u.seed, epochs: recipe.epochs, batchSize: recipe.batchSize, lr: recipe.lr,
    weightDecay: recipe.weightDecay, keep: c.spec.keep, dropout: 0.2, limitTrain: recipe.limitTrain,
    limitTest: recipe.limitTest, labelNoise: 0, finetuneEpochs: u.model === 'static' ? recipe.staticFinetuneEpochs : 0,
    schedule: recipe.schedule, augment: recipe.augment, midl: u.model === 'midl' ? c.spec.midl : undefined,
  }, { outDir: runDir(c.outDir, u), resume: c.resume, hooks });
  const run = {
    ...runSummary(r), latency_ms: latencyOf(r, data.inputShape), load_average: os.loadavg()[0], other_cpu: otherCpu() ?? undefined,
  } as RunRecord;
  // The examples actually used: a limit larger than the data found is no limit.
  const used = (limit: number | null, count: number): number | null => (limit === null || limit >= count ? null : limit);
  const limits = { train: used(recipe.limitTrain, data.train.count), test: used(recipe.limitTest, data.test.count) };
  return recordOf(c, u.id, started, { run, dataset_config: { epochs: recipe.epochs, limits } });
}

/**
 * Runs one analysis on the dataset's trained runs, given the records of the units it uses
 * (u.runs, in study order); the frontier only assembles its points from them.
 */
export async function executeAnalysis(c: UnitContext, u: AnalysisUnit, data: Dataset, runs: UnitRecord[]): Promise<UnitRecord> {
  const started = new Date().toISOString();
  const settings = c.spec.analyses;
  if (settings === null) throw new Error(`analysis unit ${u.id} in a study without analyses`);
  if (u.analysis === 'frontier') return recordOf(c, u.id, started, { analyses: { frontier: frontierOf(c.spec, u, runs) } });
  const trained: TrainedRun[] = runs.map((r) => modelFromCheckpoint(path.join(runDir(c.outDir, r.run as RunRecord), 'final.safetensors')));
  const scratch: StudyResults = {
    machine: describeMachine(), config: { ...c.spec, epochs: {}, limits: {} }, started_at: started, finished_at: started,
    runs: runs.map((r) => r.run as RunRecord), skipped: [],
  };
  // The robustness unit does the input noise; its extra trainings are units of their own.
  const robustness = { ...settings.robustness, training_datasets: [] };
  const hook = studyAnalyses({
    settings: { ...settings, analyses: [u.analysis], robustness }, outDir: c.outDir, resume: c.resume, override: c.spec.override,
    log: c.log, onRunStart: c.onAnalysisRunStart,
  });
  await hook(data, trained, scratch);
  return recordOf(c, u.id, started, { analyses: scratch.analyses ?? {} });
}

/** One extra training of the robustness analysis (labels flipped, or overfitting a subset). */
export function executeExtra(c: UnitContext, u: ExtraUnit, data: Dataset): UnitRecord {
  const started = new Date().toISOString();
  const s = (c.spec.analyses as AnalysisSettings).robustness;
  const recipe = studyRecipe(c.spec, u.dataset);
  const plan: TrainingPlan = {
    epochs: recipe.epochs, batchSize: recipe.batchSize, lr: recipe.lr, weightDecay: recipe.weightDecay,
    limitTrain: recipe.limitTrain, limitTest: recipe.limitTest, keep: c.spec.keep, dropout: 0.2,
    schedule: recipe.schedule, augment: recipe.augment,
  };
  const name = `${u.model} seed ${u.seed}`;
  const robustness = { label_noise: [] as LabelNoiseRecord[], input_noise: [], overfitting: [] as OverfittingRecord[] };
  if (u.labelNoise !== undefined) {
    const io = extraIo(c, u, `${name} with ${Math.round(u.labelNoise * 100)}% labels flipped`);
    robustness.label_noise.push(labelNoiseRecord(data, plan, u.model, u.seed, u.labelNoise, io));
  } else {
    const epochs = c.spec.override.epochs ?? s.overfitting_epochs;
    const subset = Math.min(s.subset, (c.spec.override.limitTrain ?? Infinity) / data.train.count);
    const io = extraIo(c, u, `${name} on a ${(subset * 100).toPrecision(2)}% subset for ${epochs} epochs`);
    robustness.overfitting.push(overfittingRecord(data, plan, u.model, u.seed, subset, epochs, io));
  }
  return recordOf(c, u.id, started, { analyses: { robustness } });
}

function extraIo(c: UnitContext, u: ExtraUnit, label: string): TrainingIo {
  return { outDir: path.join(c.outDir, 'analyses', u.id), resume: c.resume, hooks: c.onAnalysisRunStart?.(`${u.dataset} ${label}`) };
}

/** The frontier's settings in a study: its keeps, the first seed, the study's recipes. */
function frontierSettings(spec: StudySpec): FrontierSettings {
  const keeps = (spec.analyses as AnalysisSettings).frontier.keeps;
  return { keeps, seeds: spec.seeds.slice(0, 1), quick: spec.quick, override: spec.override };
}

/** What a frontier training is, for progress lines. */
export function frontierLabel(u: FrontierUnit): string {
  return `${u.dataset} frontier ${u.model}${u.keep === null ? '' : ` keep ${u.keep}`} seed ${u.seed}`;
}

/** One training of the frontier; it checkpoints under DIR/analyses/<id>/. */
export function executeFrontier(c: UnitContext, u: FrontierUnit, data: Dataset): UnitRecord {
  const started = new Date().toISOString();
  const io = { outDir: path.join(c.outDir, 'analyses', u.id), resume: c.resume, hooks: c.onAnalysisRunStart?.(frontierLabel(u)) };
  const point = trainFrontierPoint(data, frontierSettings(c.spec), u, io);
  return recordOf(c, u.id, started, { frontier_point: point });
}

/** A study run as the frontier's point of its model (at the study's keep, or full width). */
function pointOfRun(run: RunRecord, keep: number | null): FrontierPoint {
  return {
    dataset: run.dataset, model: run.model as FrontierPoint['model'], keep, seed: run.seed, test_accuracy: run.test_accuracy,
    flops_per_example: run.flops_per_example, active_ratio: run.active_ratio, hidden_scale: 1, epochs: run.epochs, train_examples: run.train_examples,
  };
}

/**
 * The frontier's points in plan order, from its trainings' records or, where the study's own
 * run is the point (units.ts), from that run's record; and the verdicts.
 */
function frontierOf(spec: StudySpec, u: AnalysisUnit, records: UnitRecord[]): { points: FrontierPoint[]; verdicts: FrontierVerdict[] } {
  const trained = records.flatMap((r) => (r.frontier_point === undefined ? [] : [r.frontier_point]));
  const runs = records.flatMap((r) => (r.run === undefined ? [] : [r.run]));
  const points = frontierPlan(frontierSettings(spec)).map(({ model, keep, seed }) => {
    const own = trained.find((p) => p.model === model && p.keep === keep && p.seed === seed);
    if (own !== undefined) return own;
    const run = runs.find((r) => r.model === model && r.seed === seed);
    if (run === undefined) throw new Error(`${u.id}: no record of the frontier's ${model} keep ${keep} seed ${seed}`);
    return pointOfRun(run, keep);
  });
  return { points, verdicts: frontierVerdicts(u.dataset, points) };
}
