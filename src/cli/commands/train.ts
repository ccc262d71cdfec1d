/** `midl train`: train one model on one dataset and report accuracy, active neurons and FLOPs. */
import { loadDataset } from '../../data/load.js';
import { MidlInputError } from '../../errors.js';
import { datasetNames } from '../../data/types.js';
import { formatCostReport } from '../../midl/cost.js';
import { variants } from '../../experiments/models.js';
import { recipeFor } from '../../experiments/recipes.js';
import { runSummary, runTraining, type RunConfig } from '../../experiments/run.js';
import { choiceFlag, numberFlag, parseFlags, requiredChoice } from '../args.js';
import type { Command } from '../command.js';
import { ProgressBar } from '../progress.js';

const help = `Usage: midl train --dataset D [options]

Trains one model of the MID-L study, then reports its test accuracy, active
neurons and FLOPs per example (with the dense counterpart's).

Options:
  --dataset D          ${datasetNames.join(', ')} (required)
  --model M            ${variants.join(', ')} (default dense)
  --keep X             MID-L / static keep ratio in (0, 1] (default 0.45)
  --block B            MID-L block size: select blocks of B neurons (default 1)
  --epochs N           training epochs (default: the dataset's recipe)
  --batch-size B       minibatch size (default: the recipe's)
  --lr X               Adam learning rate (default: the recipe's)
  --seed S             seed of every random draw (default 1)
  --limit-train N      train on a seeded random subset of N examples
  --label-noise P      flip a fraction P of training labels to another class
  --finetune-epochs N  static model: fine-tune N epochs after fixing its neurons (default 0)
  --data-dir DIR       where the dataset's files are (default: $MIDL_DATA_DIR, then the cache)
  --out DIR            write a checkpoint after every epoch, and run.json, model.safetensors
  --resume             continue from DIR/checkpoint.safetensors (needs --out)
  --json               last line of stdout is one JSON object with the results
  --verbose            stack traces on errors
  -h, --help           this text
`;

function trainConfigFromFlags(flags: Record<string, unknown>, dataset: RunConfig['dataset']): RunConfig {
  const recipe = recipeFor(dataset, false);
  return {
    dataset,
    model: choiceFlag(flags, 'model', variants, 'dense'),
    seed: numberFlag(flags, 'seed', 1, { min: 0, max: 2 ** 32 - 1, integer: true }),
    epochs: numberFlag(flags, 'epochs', recipe.epochs, { min: 1, integer: true }),
    batchSize: numberFlag(flags, 'batch-size', recipe.batchSize, { min: 1, integer: true }),
    lr: numberFlag(flags, 'lr', recipe.lr, { min: 1e-9, max: 10 }),
    weightDecay: recipe.weightDecay,
    keep: numberFlag(flags, 'keep', 0.45, { min: 1e-6, max: 1 }),
    dropout: 0.2,
    limitTrain: flags['limit-train'] === undefined ? null : numberFlag(flags, 'limit-train', 0, { min: 1, integer: true }),
    limitTest: null,
    labelNoise: numberFlag(flags, 'label-noise', 0, { min: 0, max: 1 }),
    finetuneEpochs: numberFlag(flags, 'finetune-epochs', 0, { min: 0, integer: true }),
    ...(flags.block === undefined ? {} : { midl: { blockSize: numberFlag(flags, 'block', 1, { min: 1, integer: true }) } }),
  };
}

const trainFlagSpec = {
  dataset: { type: 'string' },
  model: { type: 'string' },
  keep: { type: 'string' },
  block: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  seed: { type: 'string' },
  'limit-train': { type: 'string' },
  'label-noise': { type: 'string' },
  'finetune-epochs': { type: 'string' },
  'data-dir': { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
} as const;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model on a dataset; report accuracy, active neurons, FLOPs',
  help,
  async run(argv) {
    const flags = parseFlags(argv, { ...trainFlagSpec });
    if (flags.help) {
      process.stdout.write(help);
      return 0;
    }
    const dataset = requiredChoice(flags, 'dataset', datasetNames);
    const cfg = trainConfigFromFlags(flags, dataset);
    if (flags.resume && flags.out === undefined) throw new MidlInputError('--resume: needs --out DIR (where the checkpoint is)');
    const data = await loadDataset(dataset, { dataDir: flags['data-dir'] as string | undefined });
    let bar: ProgressBar | null = null;
    let recent = 0;
    const r = runTraining(data, cfg, {
      outDir: flags.out as string | undefined,
      resume: flags.resume === true,
      hooks: {
        onEpochStart: (epoch, epochs, examples) => {
          bar = new ProgressBar(`epoch ${epoch}/${epochs}`, examples);
          recent = 0;
        },
        onBatch: (b) => {
          recent = recent === 0 ? b.loss : 0.95 * recent + 0.05 * b.loss;
          bar?.tick(b.examples, { loss: recent.toFixed(4) });
        },
        onEpochEnd: (e) => bar?.finish({ loss: e.train_loss.toFixed(4), train_acc: e.train_accuracy.toFixed(4), test_acc: e.test_accuracy.toFixed(4) }),
      },
    });
    const summary = runSummary(r);
    process.stdout.write(
      `${dataset} ${cfg.model}: test accuracy ${(100 * r.testAccuracy).toFixed(2)}% after ${cfg.epochs} epoch(s) ` +
        `on ${r.train.count} examples (${r.trainSeconds.toFixed(1)} s training)\n\n${formatCostReport(r.cost)}\n`,
    );
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  },
};
