/**
 * `midl bench model`: inference latency and memory of one benchmark's models side by side.
 * `midl bench` dispatches its `model` subcommand here (benchModelCommand.run gets the
 * arguments after `bench model`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset } from '../../data/load.js';
import { datasetNames, type Dataset } from '../../data/types.js';
import { MidlInputError } from '../../errors.js';
import { benchModels, type BenchSubject, type LatencyStudyRecord, type TimingSettings } from '../../experiments/analyses/latency-memory.js';
import { describeMachine } from '../../experiments/machine.js';
import { variants, type Variant } from '../../experiments/models.js';
import { recipeFor } from '../../experiments/recipes.js';
import { formatBytes, formatMs } from '../../experiments/report/format.js';
import { textTable } from '../../experiments/report/markdown.js';
import { modelFromCheckpoint, runTraining } from '../../experiments/run.js';
import { listFlag, numberFlag, parseFlags, requiredChoice } from '../args.js';
import type { Command } from '../command.js';
import { trainingProgress } from './robustness.js';

const help = `Usage: midl bench model --dataset D [options]

Inference latency and memory of the benchmark's models in one process: after a
warm-up the models take turns in blocks of timed forwards; median and p95 per
batch size. Also parameter bytes (stored, and read per example),
activation bytes per example (the most live at once in an instrumented forward)
and the process's peak RSS. docs/results-schema.md defines each field.

The models are trained briefly, or loaded (--checkpoint-dir, --checkpoints).
Trained layers time differently from random ones: MID-L's kernel computes the
neurons that most of a batch selects as dense columns (docs/benchmarks.md).

Options:
  --dataset D           ${datasetNames.join(', ')} (required)
  --batch LIST          batch sizes (default 1,32,256)
  --models LIST         from ${variants.join(',')} (default dense,static,midl,
                        and midl-conv for the image benchmarks)
  --checkpoint-dir DIR  load DIR/runs/<dataset>-<model>-s<seed>/final.safetensors
                        (a reproduce output) or DIR/<dataset>-<model>-s<seed>/...
  --checkpoints LIST    MODEL=FILE pairs from midl train --out, e.g.
                        dense=a/final.safetensors,midl=b/final.safetensors: load
                        these models from these files; without --models, time just them
  --epochs N            epochs of the brief training (default 1; 0: untrained)
  --limit-train N       examples of the brief training (default 2000)
  --seed S              seed of the models (default 1)
  --keep X              keep ratio of the briefly trained sparse models (default 0.45)
  --budget-ms MS        time of the timed rounds per batch size (default 2000)
  --data-dir DIR        where the dataset's files are
  --json                last line of stdout is one JSON object with the records
  -h, --help            this text
`;

/** The models timed by default: midl-conv only where the model has convolutions. */
function defaultModels(dataset: string): Variant[] {
  const image = dataset === 'cifar10' || dataset === 'cifar100' || dataset === 'svhn';
  return image ? ['dense', 'static', 'midl', 'midl-conv'] : ['dense', 'static', 'midl'];
}

function parseVariant(item: string): Variant {
  if (!(variants as readonly string[]).includes(item)) throw new Error(`unknown model '${item}' (expected ${variants.join(', ')})`);
  return item as Variant;
}

function parseBatch(item: string): number {
  const v = Number(item);
  if (!Number.isInteger(v) || v < 1) throw new Error(`'${item}' is not a positive integer`);
  return v;
}

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

function subjectFor(data: Dataset, model: Variant, o: SubjectOptions): BenchSubject {
  const inDir = (dir: string): string => checkpointIn(dir, data.name, model, o.seed);
  const file = o.checkpoints.get(model) ?? (o.checkpointDir === undefined ? undefined : inDir(o.checkpointDir));
  if (file !== undefined) {
    const loaded = modelFromCheckpoint(file);
    if (loaded.config.dataset !== data.name) throw new MidlInputError(`${file}: trained on ${loaded.config.dataset}, not ${data.name}`);
    if (loaded.config.model !== model) throw new MidlInputError(`${file}: a ${loaded.config.model} model, given as ${model}`);
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

export const benchModelCommand: Command = {
  name: 'model',
  summary: "inference latency and memory of one benchmark's models, side by side",
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      dataset: { type: 'string' },
      batch: { type: 'string' },
      models: { type: 'string' },
      'checkpoint-dir': { type: 'string' },
      checkpoints: { type: 'string' },
      epochs: { type: 'string' },
      'limit-train': { type: 'string' },
      seed: { type: 'string' },
      'budget-ms': { type: 'string' },
      keep: { type: 'string' },
      'data-dir': { type: 'string' },
    });
    if (flags.help) {
      process.stdout.write(help);
      return 0;
    }
    const dataset = requiredChoice(flags, 'dataset', datasetNames);
    const checkpoints = new Map(listFlag(flags, 'checkpoints', [], parseCheckpoint));
    const models = listFlag<Variant>(flags, 'models', checkpoints.size > 0 ? [...checkpoints.keys()] : defaultModels(dataset), parseVariant);
    const timing: TimingSettings = {
      batches: listFlag(flags, 'batch', [1, 32, 256], parseBatch),
      budgetMs: numberFlag(flags, 'budget-ms', 2000, { min: 1 }),
      minRuns: 20, maxRuns: 5000, warmup: 10, blocks: 5,
    };
    const o: SubjectOptions = {
      checkpoints,
      checkpointDir: flags['checkpoint-dir'] as string | undefined,
      epochs: numberFlag(flags, 'epochs', 1, { min: 0, integer: true }),
      limitTrain: numberFlag(flags, 'limit-train', 2000, { min: 1, integer: true }),
      seed: numberFlag(flags, 'seed', 1, { min: 0, max: 2 ** 32 - 1, integer: true }),
      keep: numberFlag(flags, 'keep', 0.45, { min: 1e-6, max: 1 }),
    };
    const data = await loadDataset(dataset, { dataDir: flags['data-dir'] as string | undefined });
    const subjects = models.map((model) => subjectFor(data, model, o));
    const records = benchModels(dataset, subjects, data.test, data.inputShape, timing);
    const rss = formatBytes(records[0].peak_rss_bytes);
    process.stdout.write(`${dataset}: inference latency and memory\n\n${formatRecords(records)}\n\nPeak RSS of this process: ${rss}\n`);
    if (flags.json) {
      const settings = { ...timing, models, seed: o.seed, keep: o.keep, epochs: o.checkpointDir === undefined ? o.epochs : null, checkpoint_dir: o.checkpointDir ?? null };
      process.stdout.write(`${JSON.stringify({ dataset, machine: describeMachine(), settings, latency: records })}\n`);
    }
    return 0;
  },
};
