/** `midl train`: train one model on one dataset and report its test accuracy. */
import { loadDataset } from '../../data/load.js';
import { datasetNames } from '../../data/types.js';
import { Adam } from '../../optim/adam.js';
import { Rng, manualSeed } from '../../tensor/rng.js';
import { buildModel, variants, type Variant } from '../../experiments/models.js';
import { evaluateAccuracy, trainEpoch, type EpochRecord } from '../../experiments/train.js';
import { choiceFlag, numberFlag, parseFlags, requiredChoice } from '../args.js';
import type { Command } from '../command.js';
import { ProgressBar } from '../progress.js';

const help = `Usage: midl train --dataset D [options]

Trains one model of the MID-L study and prints its test accuracy.

Options:
  --dataset D        ${datasetNames.join(', ')} (required)
  --model M          ${variants.join(', ')} (default dense)
  --epochs N         training epochs (default 1)
  --batch-size B     minibatch size (default 128)
  --lr X             Adam learning rate (default 0.001)
  --seed S           seed of every random draw (default 1)
  --data-dir DIR     where the dataset's files are (default: $MIDL_DATA_DIR, then the cache)
  --json             last line of stdout is one JSON object with the results
  --verbose          stack traces on errors
  -h, --help         this text
`;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model on a dataset and report test accuracy',
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      dataset: { type: 'string' },
      model: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      'data-dir': { type: 'string' },
    });
    if (flags.help) {
      process.stdout.write(help);
      return 0;
    }
    const dataset = requiredChoice(flags, 'dataset', datasetNames);
    const variant: Variant = choiceFlag(flags, 'model', variants, 'dense');
    const epochs = numberFlag(flags, 'epochs', 1, { min: 1, integer: true });
    const batchSize = numberFlag(flags, 'batch-size', 128, { min: 1, integer: true });
    const lr = numberFlag(flags, 'lr', 1e-3, { min: 1e-9, max: 10 });
    const seed = numberFlag(flags, 'seed', 1, { min: 0, max: 2 ** 32 - 1, integer: true });
    const data = await loadDataset(dataset, { dataDir: flags['data-dir'] as string | undefined });
    manualSeed(seed);
    const rng = new Rng(seed);
    const model = buildModel(dataset, data.inputShape, data.numClasses, { variant, keep: 0.45, dropout: 0.2, rng: rng.fork() });
    const opt = new Adam(model.parameters(), { lr });
    const shuffle = rng.fork();
    const history: EpochRecord[] = [];
    let trainSeconds = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const bar = new ProgressBar(`epoch ${epoch}/${epochs}`, data.train.count);
      const started = process.hrtime.bigint();
      let recent = 0;
      const r = trainEpoch(model, opt, data.train, data.inputShape, {
        epoch: epoch - 1,
        batchSize,
        rng: shuffle,
        onBatch: (b) => {
          recent = recent === 0 ? b.loss : 0.95 * recent + 0.05 * b.loss;
          bar.tick(b.examples, { loss: recent.toFixed(4) });
        },
      });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      trainSeconds += seconds;
      const testAccuracy = evaluateAccuracy(model, data.test, data.inputShape);
      bar.finish({ loss: r.loss.toFixed(4), train_acc: r.accuracy.toFixed(4), test_acc: testAccuracy.toFixed(4) });
      history.push({ epoch, train_loss: r.loss, train_accuracy: r.accuracy, test_accuracy: testAccuracy, seconds });
    }
    const final = history[history.length - 1];
    const summary = {
      dataset,
      model: variant,
      epochs,
      seed,
      train_examples: data.train.count,
      test_examples: data.test.count,
      test_accuracy: final.test_accuracy,
      train_seconds: trainSeconds,
      params: model.parameterCount(),
      history,
    };
    process.stdout.write(
      `${dataset} ${variant}: test accuracy ${(100 * final.test_accuracy).toFixed(2)}% after ${epochs} epoch(s) ` +
        `on ${data.train.count} examples (${trainSeconds.toFixed(1)} s training)\n`,
    );
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  },
};
