/** `midl robustness`: label noise, input noise and overfitting for the models of one benchmark. */
import { loadDataset } from '../../data/load.js';
import { datasetNames, type Dataset } from '../../data/types.js';
import {
  inputNoiseRecords, labelNoiseRecord, overfittingRecord, planConfig,
  type InputNoiseStudyRecord, type LabelNoiseStudyRecord, type OverfittingStudyRecord, type TrainingPlan,
} from '../../experiments/analyses/robustness.js';
import { describeMachine } from '../../experiments/machine.js';
import { variants, type Variant } from '../../experiments/models.js';
import { recipeFor } from '../../experiments/recipes.js';
import { pct } from '../../experiments/report/format.js';
import { textTable } from '../../experiments/report/markdown.js';
import { runTraining, type RunHooks } from '../../experiments/run.js';
import { listFlag, numberFlag, parseFlags, requiredChoice } from '../args.js';
import type { Command } from '../command.js';
import { ProgressBar } from '../progress.js';

const help = `Usage: midl robustness --dataset D [options]

Robustness of the benchmark's models (MIDL.md section 4), per model and seed:
- label noise: trained with a fraction of the training labels flipped uniformly
  to another class, tested on clean labels (0 is the clean model);
- input noise: the clean model tested with N(0, sigma^2) added to its normalized
  test inputs (0 is the clean test set);
- overfitting: trained on a small share of the training set for many epochs:
  train accuracy, best and final test accuracy, their gap, the per-epoch curves.

Options:
  --dataset D           ${datasetNames.join(', ')} (required)
  --label-noise LIST    label noise fractions (default 0.2,0.4; 'none' skips)
  --input-noise LIST    input noise sigmas (default 0.1,0.2,0.3; 'none' skips)
  --subset X            share of the training set for overfitting (default 0.1;
                        'none' skips)
  --overfit-epochs N    epochs of the overfitting runs (default 40)
  --seeds LIST          seeds (default 1,2,3)
  --models LIST         from ${variants.join(',')} (default dense,dropout,midl)
  --epochs N            epochs of the label- and input-noise models (default: the
                        dataset's recipe)
  --limit-train N       train those on a seeded random N examples (default: all)
  --limit-test N        test on the first N test examples (default: all)
  --keep X              MID-L and static keep ratio (default 0.45)
  --data-dir DIR        where the dataset's files are
  --json                last line of stdout is one JSON object with the records
  -h, --help            this text
`;

export interface RobustnessRecords {
  label_noise: LabelNoiseStudyRecord[];
  input_noise: InputNoiseStudyRecord[];
  overfitting: OverfittingStudyRecord[];
}

/** Progress bars on stderr for one training run, labelled. */
export function trainingProgress(label: string): RunHooks {
  let bar: ProgressBar | null = null;
  return {
    onEpochStart: (epoch, epochs, examples) => {
      bar = new ProgressBar(`${label} epoch ${epoch}/${epochs}`, examples);
    },
    onBatch: (b) => bar?.tick(b.examples, { loss: b.loss.toFixed(3) }),
    onEpochEnd: (e) => bar?.finish({ test_acc: e.test_accuracy.toFixed(4) }),
  };
}

/** A list flag of numbers in [min, max]; 'none' gives the empty list. */
function levelsFlag(flags: Record<string, unknown>, name: string, fallback: number[], max: number): number[] {
  if (flags[name] === 'none') return [];
  return listFlag(flags, name, fallback, (item) => {
    const v = Number(item);
    if (item === '' || !Number.isFinite(v) || v < 0 || v > max) throw new Error(`'${item}' is not a number in 0..${max}`);
    return v;
  });
}

function parseVariant(item: string): Variant {
  if (!(variants as readonly string[]).includes(item)) throw new Error(`unknown model '${item}' (expected ${variants.join(', ')})`);
  return item as Variant;
}

function parseSeed(item: string): number {
  const v = Number(item);
  if (!Number.isInteger(v) || v < 0) throw new Error(`'${item}' is not a non-negative integer`);
  return v;
}

interface RobustnessPlan {
  plan: TrainingPlan;
  models: Variant[];
  seeds: number[];
  labelNoise: number[];
  inputNoise: number[];
  subset: number | null;
  overfitEpochs: number;
}

function planFromFlags(flags: Record<string, unknown>, dataset: Dataset['name']): RobustnessPlan {
  const recipe = recipeFor(dataset, false);
  const limit = (name: string): number | null => (flags[name] === undefined ? null : numberFlag(flags, name, 0, { min: 1, integer: true }));
  const subset = flags.subset === 'none' ? null : numberFlag(flags, 'subset', 0.1, { min: 1e-6, max: 1 });
  return {
    plan: {
      epochs: numberFlag(flags, 'epochs', recipe.epochs, { min: 1, integer: true }),
      batchSize: recipe.batchSize, lr: recipe.lr, weightDecay: recipe.weightDecay,
      limitTrain: limit('limit-train'), limitTest: limit('limit-test'),
      keep: numberFlag(flags, 'keep', 0.45, { min: 1e-6, max: 1 }), dropout: 0.2,
    },
    models: listFlag(flags, 'models', ['dense', 'dropout', 'midl'], parseVariant),
    seeds: listFlag(flags, 'seeds', [1, 2, 3], parseSeed),
    labelNoise: levelsFlag(flags, 'label-noise', [0.2, 0.4], 1),
    inputNoise: levelsFlag(flags, 'input-noise', [0.1, 0.2, 0.3], Infinity),
    subset,
    overfitEpochs: numberFlag(flags, 'overfit-epochs', 40, { min: 1, integer: true }),
  };
}

/** Every run of the plan, in model, seed order. */
function runRobustness(data: Dataset, p: RobustnessPlan): RobustnessRecords {
  const records: RobustnessRecords = { label_noise: [], input_noise: [], overfitting: [] };
  for (const model of p.models) {
    for (const seed of p.seeds) {
      const label = `${data.name} ${model} seed ${seed}`;
      const clean = runTraining(data, planConfig(data.name, model, seed, p.plan), { hooks: trainingProgress(`${label} clean`) });
      records.label_noise.push({
        dataset: data.name, model, seed, noise: 0, test_accuracy: clean.testAccuracy,
        epochs: p.plan.epochs, train_examples: clean.train.count, test_examples: clean.test.count,
      });
      records.input_noise.push(...inputNoiseRecords(data, [{ config: clean.config, model: clean.model }], [...new Set([0, ...p.inputNoise])]));
      for (const noise of p.labelNoise.filter((n) => n > 0)) {
        const hooks = trainingProgress(`${label} ${pct(noise, 0)} labels flipped`);
        records.label_noise.push(labelNoiseRecord(data, p.plan, model, seed, noise, { hooks }));
      }
      if (p.subset !== null) {
        const hooks = trainingProgress(`${label} ${pct(p.subset, 0)} subset`);
        records.overfitting.push(overfittingRecord(data, p.plan, model, seed, p.subset, p.overfitEpochs, { hooks }));
      }
    }
  }
  return records;
}

function formatRecords(r: RobustnessRecords): string {
  const parts: string[] = [];
  const acc = (v: number): string => (100 * v).toFixed(2);
  if (r.label_noise.length > 0) {
    parts.push(textTable({
      title: 'label noise', header: ['Model', 'Seed', 'Labels flipped', 'Clean test acc. (%)'], numericFrom: 1,
      rows: r.label_noise.map((x) => [x.model, String(x.seed), pct(x.noise, 0), acc(x.test_accuracy)]),
    }));
  }
  if (r.input_noise.length > 0) {
    parts.push(textTable({
      title: 'input noise', header: ['Model', 'Seed', 'Noise sigma', 'Test acc. (%)'], numericFrom: 1,
      rows: r.input_noise.map((x) => [x.model, String(x.seed), String(x.sigma), acc(x.test_accuracy)]),
    }));
  }
  if (r.overfitting.length > 0) {
    parts.push(textTable({
      title: 'overfitting',
      header: ['Model', 'Seed', 'Subset', 'Epochs', 'Train acc. (%)', 'Best test (%)', 'Final test (%)', 'Gap (pt)'], numericFrom: 1,
      rows: r.overfitting.map((x) => [
        x.model, String(x.seed), pct(x.subset, 0), String(x.epochs), acc(x.train_accuracy),
        acc(x.best_test_accuracy), acc(x.final_test_accuracy), acc(x.gap),
      ]),
    }));
  }
  return parts.join('\n\n');
}

export const robustnessCommand: Command = {
  name: 'robustness',
  summary: 'label noise, input noise and overfitting of one benchmark\'s models',
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      dataset: { type: 'string' },
      'label-noise': { type: 'string' },
      'input-noise': { type: 'string' },
      subset: { type: 'string' },
      'overfit-epochs': { type: 'string' },
      seeds: { type: 'string' },
      models: { type: 'string' },
      epochs: { type: 'string' },
      'limit-train': { type: 'string' },
      'limit-test': { type: 'string' },
      keep: { type: 'string' },
      'data-dir': { type: 'string' },
    });
    if (flags.help) {
      process.stdout.write(help);
      return 0;
    }
    const dataset = requiredChoice(flags, 'dataset', datasetNames);
    const p = planFromFlags(flags, dataset);
    const data = await loadDataset(dataset, { dataDir: flags['data-dir'] as string | undefined });
    const records = runRobustness(data, p);
    process.stdout.write(`${dataset}: robustness of ${p.models.join(', ')} over seeds ${p.seeds.join(', ')}\n\n${formatRecords(records)}\n`);
    if (flags.json) {
      const settings = {
        label_noise: p.labelNoise, input_noise: p.inputNoise, subset: p.subset, overfitting_epochs: p.overfitEpochs,
        models: p.models, seeds: p.seeds, ...p.plan,
      };
      process.stdout.write(`${JSON.stringify({ dataset, machine: describeMachine(), settings, ...records })}\n`);
    }
    return 0;
  },
};
