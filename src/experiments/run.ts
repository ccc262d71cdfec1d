/**
 * One training run of the study: data subset and label noise, model, epochs with a
 * checkpoint after each, static-sparse conversion for the static variant, then the
 * evaluation with cost and activity accounting. Everything random comes from Rngs
 * derived from the run's seed, so a resumed run ends with the same weights.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { injectLabelNoise, limitTrain } from '../data/loader.js';
import type { Dataset, Split } from '../data/types.js';
import { MidlInputError } from '../errors.js';
import { costReport, resetActivity, type CostReport } from '../midl/cost.js';
import type { MidlOptions } from '../midl/layer.js';
import { toStaticSparse } from '../midl/static-sparse.js';
import type { Sequential } from '../nn/sequential.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../tensor/rng.js';
import { writeFileAtomic } from '../atomic-write.js';
import { saveSafetensors } from '../tensor/safetensors.js';
import { loadCheckpoint, restoreModel, saveCheckpoint } from './checkpoint.js';
import { buildModel, type Variant } from './models.js';
import type { LayerActivity } from './results.js';
import { evaluateAccuracy, trainEpoch, type BatchReport, type EpochRecord } from './train.js';

export interface RunConfig {
  dataset: Dataset['name'];
  model: Variant;
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  /** Keep ratio of MID-L and static sparsity: one, or one per hidden layer. */
  keep: number | number[];
  dropout: number;
  /** Training examples used (a seeded random subset); null for all. */
  limitTrain: number | null;
  /** Test examples used (the first n); null for all. */
  limitTest: number | null;
  /** Fraction of training labels flipped to another class (seeded). */
  labelNoise: number;
  /** Further MID-L options. */
  midl?: Omit<MidlOptions, 'keep' | 'rng'>;
  /** Static variant: epochs of fine-tuning after the neurons are fixed (default 0). */
  finetuneEpochs?: number;
  /** Hidden widths times this (ModelConfig.hiddenScale; default 1). */
  hiddenScale?: number;
}

export interface RunHooks {
  onEpochStart?(epoch: number, epochs: number, examples: number): void;
  onBatch?(r: BatchReport): void;
  onEpochEnd?(record: EpochRecord): void;
}

export interface RunOutcome {
  config: RunConfig;
  model: Sequential;
  train: Split;
  test: Split;
  history: EpochRecord[];
  trainSeconds: number;
  testAccuracy: number;
  cost: CostReport;
  perLayerActive: LayerActivity[];
  /** Epochs this process trained (less than config.epochs after a resume). */
  epochsTrainedNow: number;
}

/** The run's independent random streams, derived from its seed in a fixed order. */
function runStreams(seed: number): { data: Rng; model: Rng; shuffle: Rng } {
  const root = new Rng(seed);
  return { data: root.fork(), model: root.fork(), shuffle: root.fork() };
}

/** The run's data: a seeded training subset with optional label noise, and a fixed random test subset. */
export function prepareSplits(data: Dataset, cfg: RunConfig): { train: Split; test: Split } {
  const rng = runStreams(cfg.seed).data;
  let train = cfg.limitTrain === null ? data.train : limitTrain(data.train, cfg.limitTrain, rng);
  if (cfg.labelNoise > 0) train = { ...train, y: injectLabelNoise(train.y, cfg.labelNoise, data.numClasses, rng) };
  // A random test subset (some test files are sorted by label), the same for every run and seed.
  const test = cfg.limitTest === null ? data.test : limitTrain(data.test, cfg.limitTest, new Rng(0));
  return { train, test };
}

/** Builds the model for the config, with its init drawn from the seed's model stream. */
function modelFor(data: Dataset, cfg: RunConfig, modelRng: Rng): Sequential {
  return buildModel(data.name, data.inputShape, data.numClasses, {
    variant: cfg.model, keep: cfg.keep, dropout: cfg.dropout, rng: modelRng, midl: cfg.midl, hiddenScale: cfg.hiddenScale,
  });
}

const CHECKPOINT = 'checkpoint.safetensors';

/** Trains (or resumes) and evaluates one run. With outDir, checkpoints there every epoch and writes run.json. */
export function runTraining(data: Dataset, cfg: RunConfig, o: { outDir?: string; resume?: boolean; hooks?: RunHooks } = {}): RunOutcome {
  const { train, test } = prepareSplits(data, cfg);
  const { model: modelRng, shuffle: shuffleRng } = runStreams(cfg.seed);
  const model = modelFor(data, cfg, modelRng);
  const opt = new Adam(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  let history: EpochRecord[] = [];
  let trainSeconds = 0;
  let startEpoch = 0;
  const checkpointFile = o.outDir === undefined ? null : path.join(o.outDir, CHECKPOINT);
  if (o.resume === true && checkpointFile !== null && fs.existsSync(checkpointFile)) {
    const ck = loadCheckpoint<RunConfig, EpochRecord>(checkpointFile);
    if (JSON.stringify(ck.meta.config) !== JSON.stringify(cfg)) {
      throw new MidlInputError(`${checkpointFile}: written by a run with a different configuration; use another --out or drop --resume`);
    }
    restoreModel(model, ck.model, checkpointFile);
    opt.loadStateDict(ck.optimizer, checkpointFile);
    modelRng.setState(ck.meta.rngs.model);
    shuffleRng.setState(ck.meta.rngs.shuffle);
    history = ck.meta.history;
    trainSeconds = ck.meta.trainSeconds;
    startEpoch = ck.meta.epochsDone;
  }
  for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
    o.hooks?.onEpochStart?.(epoch + 1, cfg.epochs, train.count);
    const started = process.hrtime.bigint();
    const r = trainEpoch(model, opt, train, data.inputShape, { epoch, batchSize: cfg.batchSize, rng: shuffleRng, onBatch: o.hooks?.onBatch });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    trainSeconds += seconds;
    const record = { epoch: epoch + 1, train_loss: r.loss, train_accuracy: r.accuracy, test_accuracy: evaluateAccuracy(model, test, data.inputShape), seconds };
    history.push(record);
    o.hooks?.onEpochEnd?.(record);
    if (checkpointFile !== null) {
      saveCheckpoint(checkpointFile, model, opt, {
        config: cfg, epochsDone: epoch + 1, history, trainSeconds,
        rngs: { model: modelRng.getState(), shuffle: shuffleRng.getState() },
        model: { inputShape: data.inputShape, numClasses: data.numClasses, staticSparse: false },
      });
    }
  }
  if (cfg.model === 'static') {
    toStaticSparse(model, cfg.keep);
    trainSeconds += finetune(model, data, train, test, cfg, shuffleRng, history, o.hooks);
  }
  const outcome = evaluateRun(model, test, data.inputShape);
  const result: RunOutcome = { config: cfg, model, train, test, history, trainSeconds, ...outcome, epochsTrainedNow: cfg.epochs - startEpoch };
  if (o.outDir !== undefined) writeRunFiles(o.outDir, data, result);
  return result;
}

/**
 * Fine-tunes a static-sparse model for cfg.finetuneEpochs with a fresh optimizer (the
 * dropped neurons' outputs are masked, so only the kept ones learn); appends to history.
 */
function finetune(
  model: Sequential, data: Dataset, train: Split, test: Split, cfg: RunConfig, rng: Rng, history: EpochRecord[], hooks?: RunHooks,
): number {
  const epochs = cfg.finetuneEpochs ?? 0;
  if (epochs === 0) return 0;
  const opt = new Adam(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  let seconds = 0;
  for (let e = 0; e < epochs; e++) {
    const epoch = cfg.epochs + e;
    hooks?.onEpochStart?.(epoch + 1, cfg.epochs + epochs, train.count);
    const started = process.hrtime.bigint();
    const r = trainEpoch(model, opt, train, data.inputShape, { epoch, batchSize: cfg.batchSize, rng, onBatch: hooks?.onBatch });
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    seconds += s;
    const record = { epoch: epoch + 1, train_loss: r.loss, train_accuracy: r.accuracy, test_accuracy: evaluateAccuracy(model, test, data.inputShape), seconds: s };
    history.push(record);
    hooks?.onEpochEnd?.(record);
  }
  return seconds;
}

/** Test accuracy with fresh activity statistics, and the cost report they imply. */
export function evaluateRun(model: Sequential, test: Split, inputShape: number[]): Pick<RunOutcome, 'testAccuracy' | 'cost' | 'perLayerActive'> {
  resetActivity(model);
  const testAccuracy = evaluateAccuracy(model, test, inputShape);
  const cost = costReport(model, inputShape);
  const perLayerActive = cost.layers
    .filter((l) => l.neurons !== undefined)
    .map((l) => ({
      layer: l.name,
      active_ratio: (l.meanActive as number) / (l.neurons as number),
      min: (l.minActive as number) / (l.neurons as number),
      max: (l.maxActive as number) / (l.neurons as number),
      std: (l.stdActive ?? 0) / (l.neurons as number),
      k: l.k as number,
    }));
  return { testAccuracy, cost, perLayerActive };
}

/** The run's summary in the results schema's terms (latency filled by the caller). */
export function runSummary(r: RunOutcome): Record<string, unknown> {
  return {
    dataset: r.config.dataset,
    model: r.config.model,
    seed: r.config.seed,
    epochs: r.config.epochs,
    finetune_epochs: r.config.finetuneEpochs ?? 0,
    train_examples: r.train.count,
    test_examples: r.test.count,
    test_accuracy: r.testAccuracy,
    active_ratio: r.cost.activeRatio,
    flops_per_example: r.cost.flopsPerExample,
    dense_flops_per_example: r.cost.denseFlopsPerExample,
    flops_saving: r.cost.flopsSaving,
    params: r.model.parameterCount(),
    train_seconds: r.trainSeconds,
    label_noise: r.config.labelNoise,
    history: r.history,
    per_layer_active: r.perLayerActive,
    ...(r.config.midl?.mode === 'adaptive' ? { midl_mode: 'adaptive', midl_budget: r.config.midl.budget ?? r.config.keep } : {}),
  };
}

/** DIR/model.safetensors (final weights, PyTorch-style keys), DIR/final.safetensors (a loadable checkpoint) and DIR/run.json. */
function writeRunFiles(dir: string, data: Dataset, r: RunOutcome): void {
  saveCheckpoint(path.join(dir, 'final.safetensors'), r.model, null, {
    config: r.config, epochsDone: r.config.epochs, history: r.history, trainSeconds: r.trainSeconds, rngs: {},
    model: { inputShape: data.inputShape, numClasses: data.numClasses, staticSparse: r.config.model === 'static' },
  });
  saveSafetensors(path.join(dir, 'model.safetensors'), r.model.stateDict(), { format: 'pt' });
  writeFileAtomic(path.join(dir, 'run.json'), `${JSON.stringify(runSummary(r), null, 2)}\n`);
}

/** Rebuilds a trained model from a checkpoint written by runTraining. */
export function modelFromCheckpoint(file: string): { model: Sequential; config: RunConfig; inputShape: number[]; numClasses: number } {
  const ck = loadCheckpoint<RunConfig, EpochRecord>(file);
  const cfg = ck.meta.config;
  const m = ck.meta.model;
  const fakeData = { name: cfg.dataset, inputShape: m.inputShape, numClasses: m.numClasses } as Dataset;
  const model = modelFor(fakeData, cfg, new Rng(cfg.seed));
  if (m.staticSparse) toStaticSparse(model, cfg.keep);
  restoreModel(model, ck.model, file);
  return { model, config: cfg, inputShape: m.inputShape, numClasses: m.numClasses };
}
