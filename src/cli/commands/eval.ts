/** `midl eval`: evaluate a trained checkpoint on its dataset's test split. */
import { loadDataset } from '../../data/load.js';
import { limitTrain } from '../../data/loader.js';
import { formatCostReport } from '../../midl/cost.js';
import { withGaussianNoise } from '../../experiments/noise.js';
import { evaluateRun, modelFromCheckpoint } from '../../experiments/run.js';
import { Rng } from '../../tensor/rng.js';
import { MidlInputError } from '../../errors.js';
import { numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';

const help = `Usage: midl eval --checkpoint FILE [options]

Evaluates a model written by 'midl train --out DIR' (DIR/final.safetensors or
DIR/checkpoint.safetensors) on the test split of its dataset.

Options:
  --checkpoint FILE    the checkpoint (required)
  --data-dir DIR       where the dataset's files are
  --input-noise SIGMA  add N(0, SIGMA^2) noise to the normalized test inputs (default 0)
  --seed S             seed of the input noise (default 1)
  --limit-test N       evaluate on a fixed random subset of N test examples
  --json               last line of stdout is one JSON object with the results
  -h, --help           this text
`;

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a checkpoint: accuracy, active neurons, FLOPs',
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      checkpoint: { type: 'string' },
      'data-dir': { type: 'string' },
      'input-noise': { type: 'string' },
      seed: { type: 'string' },
      'limit-test': { type: 'string' },
    });
    if (flags.help) {
      process.stdout.write(help);
      return 0;
    }
    if (typeof flags.checkpoint !== 'string') throw new MidlInputError('--checkpoint: required (a file written by midl train --out)');
    const sigma = numberFlag(flags, 'input-noise', 0, { min: 0 });
    const seed = numberFlag(flags, 'seed', 1, { min: 0, integer: true });
    const { model, config, inputShape } = modelFromCheckpoint(flags.checkpoint);
    const data = await loadDataset(config.dataset, { dataDir: flags['data-dir'] as string | undefined });
    let test = data.test;
    if (flags['limit-test'] !== undefined) test = limitTrain(test, numberFlag(flags, 'limit-test', 0, { min: 1, integer: true }), new Rng(0));
    test = withGaussianNoise(test, sigma, new Rng(seed));
    const r = evaluateRun(model, test, inputShape);
    const summary = {
      checkpoint: flags.checkpoint, dataset: config.dataset, model: config.model, test_examples: test.count,
      input_noise: sigma, test_accuracy: r.testAccuracy, active_ratio: r.cost.activeRatio,
      flops_per_example: r.cost.flopsPerExample, dense_flops_per_example: r.cost.denseFlopsPerExample,
      per_layer_active: r.perLayerActive,
    };
    process.stdout.write(
      `${config.dataset} ${config.model}: test accuracy ${(100 * r.testAccuracy).toFixed(2)}% on ${test.count} examples` +
        `${sigma > 0 ? ` with input noise sigma ${sigma}` : ''}\n\n${formatCostReport(r.cost)}\n`,
    );
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  },
};
