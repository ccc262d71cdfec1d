/**
 * `midl bench model`: inference latency and memory of one benchmark's models side by side.
 * `midl bench` dispatches its `model` subcommand here (benchModelCommand.run gets the
 * arguments after `bench model`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset } from '../../data/load.js';
import type { Dataset, DatasetName } from '../../data/types.js';
import { MidlInputError } from '../../errors.js';
import { benchModels, type BenchSubject, type LatencyStudyRecord, type TimingSettings } from '../../experiments/analyses/latency-memory.js';
import { describeMachine } from '../../experiments/machine.js';
import { hasConvolutions, variants, type Variant } from '../../experiments/models.js';
import { recipeFor } from '../../experiments/recipes.js';
import { formatBytes, formatMs } from '../../experiments/report/format.js';
import { textTable } from '../../experiments/report/markdown.js';
import { checkFitsData, modelFromCheckpoint, runTraining } from '../../experiments/run.js';
import { defineCommand } from '../command.js';
import { listFlag, numberFlag, optionalListFlag, stringFlag, withHelp } from '../flags.js';
import { checkDataDir } from '../paths.js';
import { trainingProgress } from '../progress.js';
import { batchSizes, dataDir, dataset, parseVariant, seed } from '../shared-flags.js';

/** A reproduce run's final checkpoint of the model, under DIR/runs or DIR. */
function checkpointIn(dir: string, dataset: string, model: Variant, seed: number): string {
  const name = `${dataset}-${model}-s${seed}`;
  const candidates = [path.join(dir, 'runs', name, 'final.safetensors'), path.join(dir, name, 'final.safetensors')];
  const found = candidates.find((file) => fs.existsSync(file));
  if (found === undefined) throw new MidlInputError(`--checkpoint-dir: no ${candidates.join(' or ')}`);
  return found;
}

/** One MODEL=FILE item of --checkpoints. */
function parseCheckpoint(item: string): [Variant, string] {
  const at = item.indexOf('=');
  if (at < 1 || at === item.length - 1) throw new Error(`'${item}' is not MODEL=FILE`);
  return [parseVariant(item.slice(0, at)), item.slice(at + 1)];
}

interface SubjectOptions {
  checkpoints: Map<Variant, string>;
  checkpointDir?: string;
  epochs: number;
  limitTrain: number;
  seed: number;
  keep: number;
}

/** The models timed by default: midl-conv only where the model has convolutions. */
function defaultModels(dataset: DatasetName): Variant[] {
  return hasConvolutions(dataset) ? ['dense', 'static', 'midl', 'midl-conv'] : ['dense', 'static', 'midl'];
}

function subjectFor(data: Dataset, model: Variant, o: SubjectOptions): BenchSubject {
  const inDir = (dir: string): string => checkpointIn(dir, data.name, model, o.seed);
  const file = o.checkpoints.get(model) ?? (o.checkpointDir === undefined ? undefined : inDir(o.checkpointDir));
  if (file !== undefined) {
    const loaded = modelFromCheckpoint(file);
    if (loaded.config.dataset !== data.name) throw new MidlInputError(`${file}: trained on ${loaded.config.dataset}, not ${data.name}`);
    if (loaded.config.model !== model) throw new MidlInputError(`${file}: a ${loaded.config.model} model, given as ${model}`);
    checkFitsData(file, loaded, data);
    return { model, net: loaded.model };
  }
  const recipe = recipeFor(data.name, false);
  const r = runTraining(data, {
    dataset: data.name, model, seed: o.seed, epochs: o.epochs, batchSize: recipe.batchSize, lr: recipe.lr,
    weightDecay: recipe.weightDecay, keep: o.keep, dropout: 0.2, limitTrain: o.limitTrain, limitTest: 1000, labelNoise: 0,
  }, { hooks: trainingProgress(`${data.name} ${model}`) });
  return { model, net: r.model };
}

function formatRecords(records: LatencyStudyRecord[]): string {
  return textTable({
    title: 'latency and memory',
    header: ['Model', 'Batch', 'Median (ms)', 'p95 (ms)', 'Runs', 'Parameters', 'Read / example', 'Activations / example'],
    rows: records.map((r) => [
      r.model, String(r.batch), formatMs(r.median_ms), formatMs(r.p95_ms), String(r.runs),
      formatBytes(r.param_bytes), formatBytes(r.param_bytes_read_per_example), formatBytes(r.activation_bytes_per_example),
    ]),
    numericFrom: 1,
  });
}

export const benchModelCommand = defineCommand({
  name: 'model',
  summary: "inference latency and memory of one benchmark's models, side by side",
  usage: 'midl bench model --dataset D [options]',
  description:
    "Inference latency and memory of the benchmark's models in one process: after a\n" +
    'warm-up the models take turns in blocks of timed forwards; median and p95 per\n' +
    'batch size. Also parameter bytes (stored, and read per example),\n' +
    'activation bytes per example (the most live at once in an instrumented forward)\n' +
    "and the process's peak RSS. docs/results-schema.md defines each field.\n\n" +
    'The models are trained briefly, or loaded (--checkpoint-dir, --checkpoints).\n' +
    "Trained layers time differently from random ones: MID-L's kernel computes the\n" +
    'neurons that most of a batch selects as dense columns (docs/benchmarks.md).',
  flags: {
    dataset,
    batch: batchSizes([1, 32, 256]),
    models: optionalListFlag('models', parseVariant, {
      placeholder: 'LIST', help: `from ${variants.join(',')} (default dense,static,midl, and\nmidl-conv for the image benchmarks; with --checkpoints: just those models)`,
    }),
    checkpointDir: stringFlag('checkpoint-dir', {
      placeholder: 'DIR', help: 'load DIR/runs/<dataset>-<model>-s<seed>/final.safetensors\n(a reproduce output) or DIR/<dataset>-<model>-s<seed>/...',
    }),
    checkpoints: listFlag('checkpoints', parseCheckpoint, {
      placeholder: 'LIST',
      help: 'MODEL=FILE pairs from midl train --out, e.g.\ndense=a/final.safetensors,midl=b/final.safetensors: load\nthese models from these files',
      default: [],
    }),
    epochs: numberFlag('epochs', { placeholder: 'N', help: 'epochs of the brief training (0: untrained)', min: 0, integer: true, default: 1 }),
    limitTrain: numberFlag('limit-train', { placeholder: 'N', help: 'examples of the brief training', min: 1, integer: true, default: 2000 }),
    seed: withHelp(seed, 'seed of the models (default 1)'),
    keep: numberFlag('keep', { placeholder: 'X', help: 'keep ratio of the briefly trained sparse models', min: 1e-6, max: 1, default: 0.45 }),
    budgetMs: numberFlag('budget-ms', { placeholder: 'MS', help: 'time of the timed rounds per batch size', min: 1, default: 2000 }),
    dataDir,
  },
  async run(v) {
    const checkpoints = new Map(v.checkpoints);
    const models = v.models ?? (checkpoints.size > 0 ? [...checkpoints.keys()] : defaultModels(v.dataset));
    const timing: TimingSettings = { batches: v.batch, budgetMs: v.budgetMs, minRuns: 20, maxRuns: 5000, warmup: 10, blocks: 5 };
    const o: SubjectOptions = { checkpoints, checkpointDir: v.checkpointDir, epochs: v.epochs, limitTrain: v.limitTrain, seed: v.seed, keep: v.keep };
    const data = await loadDataset(v.dataset, { dataDir: checkDataDir(v.dataDir) });
    const subjects = models.map((model) => subjectFor(data, model, o));
    const records = benchModels(v.dataset, subjects, data.test, data.inputShape, timing);
    const rss = formatBytes(records[0].peak_rss_bytes);
    process.stdout.write(`${v.dataset}: inference latency and memory\n\n${formatRecords(records)}\n\nPeak RSS of this process: ${rss}\n`);
    if (v.json) {
      const settings = { ...timing, models, seed: o.seed, keep: o.keep, epochs: o.checkpointDir === undefined ? o.epochs : null, checkpoint_dir: o.checkpointDir ?? null };
      process.stdout.write(`${JSON.stringify({ dataset: v.dataset, machine: describeMachine(), settings, latency: records })}\n`);
    }
    return 0;
  },
});
