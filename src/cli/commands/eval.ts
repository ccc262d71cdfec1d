/** `midl eval`: evaluate a trained checkpoint on its dataset's test split. */
import { loadDataset } from '../../data/load.js';
import { limitTrain as limitSplit } from '../../data/loader.js';
import { formatCostReport } from '../../midl/cost.js';
import { withGaussianNoise } from '../../experiments/noise.js';
import { checkFitsData, evaluateRun, modelFromCheckpoint } from '../../experiments/run.js';
import { Rng } from '../../tensor/rng.js';
import { defineCommand } from '../command.js';
import { numberFlag, withHelp } from '../flags.js';
import { checkDataDir } from '../paths.js';
import { checkpoint, dataDir, limitTest, seed } from '../shared-flags.js';

export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'evaluate a checkpoint: accuracy, active neurons, FLOPs',
  usage: 'midl eval --checkpoint FILE [options]',
  description:
    "Evaluates a model written by 'midl train --out DIR' (DIR/final.safetensors or\n" +
    'DIR/checkpoint.safetensors) on the test split of its dataset.',
  flags: {
    checkpoint,
    dataDir,
    inputNoise: numberFlag('input-noise', {
      placeholder: 'SIGMA', help: 'add N(0, SIGMA^2) noise to the normalized test inputs', min: 0, default: 0,
    }),
    seed: withHelp(seed, 'seed of the input noise (default 1)'),
    limitTest,
  },
  async run(v) {
    const loaded = modelFromCheckpoint(v.checkpoint);
    const { model, config, inputShape } = loaded;
    const data = await loadDataset(config.dataset, { dataDir: checkDataDir(v.dataDir) });
    checkFitsData(v.checkpoint, loaded, data);
    let test = data.test;
    if (v.limitTest !== undefined) test = limitSplit(test, v.limitTest, new Rng(0));
    test = withGaussianNoise(test, v.inputNoise, new Rng(v.seed));
    const r = evaluateRun(model, test, inputShape);
    const summary = {
      checkpoint: v.checkpoint, dataset: config.dataset, model: config.model, test_examples: test.count,
      input_noise: v.inputNoise, test_accuracy: r.testAccuracy, active_ratio: r.cost.activeRatio,
      flops_per_example: r.cost.flopsPerExample, dense_flops_per_example: r.cost.denseFlopsPerExample,
      per_layer_active: r.perLayerActive,
    };
    process.stdout.write(
      `${config.dataset} ${config.model}: test accuracy ${(100 * r.testAccuracy).toFixed(2)}% on ${test.count} examples` +
        `${v.inputNoise > 0 ? ` with input noise sigma ${v.inputNoise}` : ''}\n\n${formatCostReport(r.cost)}\n`,
    );
    if (v.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  },
});
