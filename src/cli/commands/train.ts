/** `midl train`: train one model on one dataset and report accuracy, active neurons and FLOPs. */
import { loadDataset } from '../../data/load.js';
import { MidlInputError } from '../../errors.js';
import { formatCostReport } from '../../midl/cost.js';
import { hiddenLayerCount, keepPerLayer, variants } from '../../experiments/models.js';
import { block, budget, DEFAULT_KEEP, keepRatios, midlMode, midlSelection } from '../keep-flag.js';
import { recipeFor } from '../../experiments/recipes.js';
import { runSummary, runTraining, type RunConfig } from '../../experiments/run.js';
import { defineCommand, type FlagValues } from '../command.js';
import { booleanFlag, choiceFlag, numberFlag, withHelp } from '../flags.js';
import { checkDataDir, prepareOutDir } from '../paths.js';
import { ProgressBar } from '../progress.js';
import { dataDir, dataset, epochs, limitTrain, out, seed } from '../shared-flags.js';

const flags = {
  dataset,
  model: choiceFlag('model', variants, { placeholder: 'M', help: 'the model', default: 'dense' }),
  keep: keepRatios,
  midlMode,
  budget,
  block,
  epochs,
  batchSize: numberFlag('batch-size', { placeholder: 'B', help: "minibatch size (default: the recipe's)", min: 1, integer: true }),
  lr: numberFlag('lr', { placeholder: 'X', help: "Adam learning rate (default: the recipe's)", min: 1e-9, max: 10 }),
  seed,
  limitTrain,
  labelNoise: numberFlag('label-noise', {
    placeholder: 'P', help: 'flip a fraction P of training labels to another class', min: 0, max: 1, default: 0,
  }),
  finetuneEpochs: numberFlag('finetune-epochs', {
    placeholder: 'N', help: 'static model: fine-tune N epochs after fixing its neurons', min: 0, integer: true, default: 0,
  }),
  dataDir,
  out: withHelp(
    out,
    'write DIR/checkpoint.safetensors after every epoch; at the end\n' +
      'DIR/final.safetensors (the model and its config: what midl eval\n' +
      '--checkpoint reads), DIR/model.safetensors (weights only, PyTorch\n' +
      'key names) and DIR/run.json',
  ),
  resume: booleanFlag('resume', 'continue from DIR/checkpoint.safetensors (needs --out)'),
};

function configFromFlags(v: FlagValues<typeof flags>): RunConfig {
  const recipe = recipeFor(v.dataset, false);
  return {
    dataset: v.dataset,
    model: v.model,
    seed: v.seed,
    epochs: v.epochs ?? recipe.epochs,
    batchSize: v.batchSize ?? recipe.batchSize,
    lr: v.lr ?? recipe.lr,
    weightDecay: recipe.weightDecay,
    keep: v.keep ?? DEFAULT_KEEP,
    dropout: 0.2,
    limitTrain: v.limitTrain ?? null,
    limitTest: null,
    labelNoise: v.labelNoise,
    finetuneEpochs: v.finetuneEpochs,
    schedule: recipe.schedule,
    augment: recipe.augment,
    midl: midlSelection(v.midlMode, v.budget, v.block),
  };
}

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a model on a dataset; report accuracy, active neurons, FLOPs',
  usage: 'midl train --dataset D [options]',
  description:
    'Trains one model of the MID-L study, then reports its test accuracy, active\n' +
    "neurons and FLOPs per example (with the dense counterpart's). With --out DIR,\n" +
    'evaluate it later with: midl eval --checkpoint DIR/final.safetensors',
  flags,
  async run(v) {
    const cfg = configFromFlags(v);
    keepPerLayer(cfg.keep, hiddenLayerCount(cfg.dataset)); // a wrong-length --keep list fails before the data loads
    if (v.resume && v.out === undefined) throw new MidlInputError('--resume: needs --out DIR (where the checkpoint is)');
    const outDir = v.out === undefined ? undefined : prepareOutDir(v.out);
    const data = await loadDataset(v.dataset, { dataDir: checkDataDir(v.dataDir) });
    let bar: ProgressBar | null = null;
    let recent = 0;
    const r = runTraining(data, cfg, {
      outDir,
      resume: v.resume,
      hooks: {
        onEpochStart: (epoch, epochCount, examples) => {
          bar = new ProgressBar(`epoch ${epoch}/${epochCount}`, examples);
          recent = 0;
        },
        onBatch: (b) => {
          recent = recent === 0 ? b.loss : 0.95 * recent + 0.05 * b.loss;
          bar?.tick(b.examples, { loss: recent.toFixed(4) });
        },
        onEpochEnd: (e) => bar?.finish({ loss: e.train_loss.toFixed(4), train_acc: e.train_accuracy.toFixed(4), test_acc: e.test_accuracy.toFixed(4) }),
      },
    });
    process.stdout.write(
      `${v.dataset} ${cfg.model}: test accuracy ${(100 * r.testAccuracy).toFixed(2)}% after ${cfg.epochs} epoch(s) ` +
        `on ${r.train.count} examples (${r.trainSeconds.toFixed(1)} s training)\n\n${formatCostReport(r.cost)}\n`,
    );
    if (v.json) process.stdout.write(`${JSON.stringify(runSummary(r))}\n`);
    return 0;
  },
});
