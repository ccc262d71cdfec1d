/**
 * One training run of the study: data subset and label noise, model, epochs with a
 * checkpoint after each, static-sparse conversion for the static variant, then the
 * evaluation with cost and activity accounting. Everything random comes from Rngs
 * derived from the run's seed, so a resumed run ends with the same weights.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Augmentation } from '../data/augment.js';
import { injectLabelNoise, limitTrain } from '../data/loader.js';
import { datasetNames, type Dataset, type Split } from '../data/types.js';
import { MidlInputError } from '../errors.js';
import { costReport, resetActivity, type CostReport } from '../midl/cost.js';
import type { MidlOptions } from '../midl/layer.js';
import { toStaticSparse } from '../midl/static-sparse.js';
import type { Sequential } from '../nn/sequential.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../tensor/rng.js';
import { writeFileAtomic } from '../atomic-write.js';
import { saveSafetensors } from '../tensor/safetensors.js';
import { canonicalJson } from './canonical-json.js';
import { loadCheckpoint, restoreModel, saveCheckpoint, type LoadedCheckpoint, type MetaChecker } from './checkpoint.js';
import { buildModel, variants, type Variant } from './models.js';
import { recipeSchedule } from './recipes.js';
import type { LayerActivity } from './results.js';
import { evaluateAccuracy, NonFiniteLossError, trainEpoch, type BatchReport, type EpochRecord, type EpochOptions } from './train.js';

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
  /** Learning-rate schedule over the epochs (default constant). */
  schedule?: 'cosine' | 'constant';
  /** Random crop and flip of the training images (default none). */
  augment?: Augmentation;
  /** Hidden widths times this (ModelConfig.hiddenScale; default 1). */
  hiddenScale?: number;
}

/** A trained model of the study and the configuration it was trained with. */
export interface TrainedRun {
  config: RunConfig;
  model: Sequential;
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
    const ck = loadRunCheckpoint(checkpointFile);
    if (canonicalJson(ck.meta.config) !== canonicalJson(cfg)) {
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
    // A function of the epoch alone, so a resumed run continues the schedule where it was.
    opt.lr = recipeSchedule(cfg).lrAt(epoch);
    const r = guardedEpoch(model, opt, train, data.inputShape, {
      epoch, batchSize: cfg.batchSize, rng: shuffleRng, augment: cfg.augment, onBatch: o.hooks?.onBatch,
    }, checkpointFile);
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
 * One training epoch; a non-finite loss stops the run with a one-line error saying where,
 * and which checkpoint still holds the last good state (it is written only after a finished epoch).
 */
function guardedEpoch(
  model: Sequential, opt: Adam, train: Split, inputShape: number[], o: EpochOptions, checkpointFile: string | null,
): { loss: number; accuracy: number } {
  try {
    return trainEpoch(model, opt, train, inputShape, o);
  } catch (err) {
    if (!(err instanceof NonFiniteLossError)) throw err;
    const kept = checkpointFile !== null && fs.existsSync(checkpointFile)
      ? `; the last good checkpoint is ${checkpointFile}` : '';
    throw new MidlInputError(`training stopped: ${err.message} (try a lower --lr)${kept}`);
  }
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
    const r = guardedEpoch(model, opt, train, data.inputShape, { epoch, batchSize: cfg.batchSize, rng, augment: cfg.augment, onBatch: hooks?.onBatch }, null);
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

/** A RunConfig from a checkpoint's metadata, every field checked (one line naming the field otherwise). */
function checkRunConfig(c: MetaChecker, value: unknown): RunConfig {
  const o = c.object('config', value);
  const count = (key: string, min: number): number => c.number(`config.${key}`, o[key], { min, integer: true });
  const limit = (key: string): number | null => (o[key] === null ? null : count(key, 1));
  const cfg: RunConfig = {
    dataset: c.oneOf('config.dataset', o.dataset, datasetNames),
    model: c.oneOf('config.model', o.model, variants),
    seed: c.number('config.seed', o.seed, { min: 0, max: 2 ** 32 - 1, integer: true }),
    epochs: count('epochs', 0),
    batchSize: count('batchSize', 1),
    lr: c.number('config.lr', o.lr, { above: 0 }),
    weightDecay: c.number('config.weightDecay', o.weightDecay, { min: 0 }),
    keep: Array.isArray(o.keep)
      ? o.keep.map((v, i) => c.number(`config.keep[${i}]`, v, { above: 0, max: 1 }))
      : c.number('config.keep', o.keep, { above: 0, max: 1 }),
    dropout: c.number('config.dropout', o.dropout, { min: 0, max: 1 }),
    limitTrain: limit('limitTrain'),
    limitTest: limit('limitTest'),
    labelNoise: c.number('config.labelNoise', o.labelNoise, { min: 0, max: 1 }),
  };
  if (o.finetuneEpochs !== undefined) cfg.finetuneEpochs = count('finetuneEpochs', 0);
  if (o.midl !== undefined) cfg.midl = checkMidlOptions(c, o.midl);
  if (o.hiddenScale !== undefined) cfg.hiddenScale = c.number('config.hiddenScale', o.hiddenScale, { above: 0 });
  if (o.schedule !== undefined) cfg.schedule = c.oneOf('config.schedule', o.schedule, ['cosine', 'constant'] as const);
  if (o.augment !== undefined) cfg.augment = checkAugmentation(c, o.augment);
  return cfg;
}

function checkAugmentation(c: MetaChecker, value: unknown): Augmentation {
  const o = c.object('config.augment', value);
  if (typeof o.flip !== 'boolean') c.fail('config.augment.flip', `expected true or false, got ${JSON.stringify(o.flip)}`);
  return { padding: c.number('config.augment.padding', o.padding, { min: 0, integer: true }), flip: o.flip === true };
}

/** MID-L options of a config: known keys with values of their type (the layer checks their ranges). */
function checkMidlOptions(c: MetaChecker, value: unknown): NonNullable<RunConfig['midl']> {
  const o = c.object('config.midl', value);
  const num = (key: string): number | undefined => (o[key] === undefined ? undefined : c.number(`config.midl.${key}`, o[key], {}));
  const text = (key: string): string | undefined => {
    if (o[key] !== undefined && typeof o[key] !== 'string') c.fail(`config.midl.${key}`, `expected a string, got ${JSON.stringify(o[key])}`);
    return o[key] === undefined ? undefined : String(o[key]);
  };
  const known = ['rank', 'threshold', 'activation', 'gatePenalty', 'keepWarmupEpochs', 'ste', 'gateBiasInit', 'inference', 'mode', 'budget', 'blockSize'];
  const unknown = Object.keys(o).find((k) => !known.includes(k));
  if (unknown !== undefined) c.fail(`config.midl.${unknown}`, `not a MID-L option (expected ${known.join(', ')})`);
  const options = {
    rank: num('rank'), threshold: num('threshold'), gatePenalty: num('gatePenalty'), keepWarmupEpochs: num('keepWarmupEpochs'),
    gateBiasInit: num('gateBiasInit'), activation: text('activation'), ste: text('ste'), inference: text('inference'),
    mode: text('mode'), budget: num('budget'), blockSize: num('blockSize'),
  };
  // Strings are checked against their choices by the MIDL constructor (modelFromCheckpoint turns its error into one line).
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as NonNullable<RunConfig['midl']>;
}

/** Reads a checkpoint written by runTraining, its metadata and tensors checked. */
export function loadRunCheckpoint(file: string): LoadedCheckpoint<RunConfig, EpochRecord> {
  return loadCheckpoint<RunConfig, EpochRecord>(file, checkRunConfig);
}

/** Rebuilds a trained model from a checkpoint written by runTraining. */
export function modelFromCheckpoint(file: string): { model: Sequential; config: RunConfig; inputShape: number[]; numClasses: number } {
  const ck = loadRunCheckpoint(file);
  const cfg = ck.meta.config;
  const m = ck.meta.model;
  const fakeData = { name: cfg.dataset, inputShape: m.inputShape, numClasses: m.numClasses } as Dataset;
  let model: Sequential;
  try {
    model = modelFor(fakeData, cfg, new Rng(cfg.seed));
    if (m.staticSparse) toStaticSparse(model, cfg.keep);
  } catch (err) {
    throw new MidlInputError(`${file}: checkpoint metadata does not describe a model midl builds: ${err instanceof Error ? err.message : String(err)}`);
  }
  restoreModel(model, ck.model, file);
  return { model, config: cfg, inputShape: m.inputShape, numClasses: m.numClasses };
}

/** A checkpoint's model must take the dataset's inputs and give its classes. */
export function checkFitsData(file: string, loaded: { inputShape: number[]; numClasses: number }, data: Dataset): void {
  if (loaded.inputShape.join('x') !== data.inputShape.join('x')) {
    throw new MidlInputError(`${file}: checkpoint metadata model.inputShape is [${loaded.inputShape}], the ${data.name} data is [${data.inputShape}]`);
  }
  if (loaded.numClasses !== data.numClasses) {
    throw new MidlInputError(`${file}: checkpoint metadata model.numClasses is ${loaded.numClasses}, the ${data.name} data has ${data.numClasses} classes`);
  }
}
