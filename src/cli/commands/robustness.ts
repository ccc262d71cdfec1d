/** `midl robustness`: label noise, input noise and overfitting for the models of one benchmark. */
import { loadDataset } from '../../data/load.js';
import { runRobustness, type RobustnessRecords } from '../../experiments/analyses/robustness.js';
import { describeMachine } from '../../experiments/machine.js';
import { recipeFor } from '../../experiments/recipes.js';
import { pct } from '../../experiments/report/format.js';
import { textTable } from '../../experiments/report/markdown.js';
import { defineCommand } from '../command.js';
import { listFlag, noneOr, numberFlag, numberItem, withHelp } from '../flags.js';
import { checkDataDir } from '../paths.js';
import { trainingProgress } from '../progress.js';
import { dataDir, dataset, epochs, keep, limitTest, limitTrain, models, seeds } from '../shared-flags.js';

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

export const robustnessCommand = defineCommand({
  name: 'robustness',
  summary: "label noise, input noise and overfitting of one benchmark's models",
  usage: 'midl robustness --dataset D [options]',
  description:
    "Robustness of the benchmark's models (docs/method.md), per model and seed:\n" +
    '- label noise: trained with a fraction of the training labels flipped uniformly\n' +
    '  to another class, tested on clean labels (0 is the clean model);\n' +
    '- input noise: the clean model tested with N(0, sigma^2) added to its normalized\n' +
    '  test inputs (0 is the clean test set);\n' +
    '- overfitting: trained on a small share of the training set for many epochs:\n' +
    '  train accuracy, best and final test accuracy, their gap, the per-epoch curves.',
  flags: {
    dataset,
    labelNoise: listFlag('label-noise', numberItem({ min: 0, max: 1 }), {
      placeholder: 'LIST', help: "label noise fractions ('none' skips)", default: [0.2, 0.4], none: true,
    }),
    inputNoise: listFlag('input-noise', numberItem({ min: 0 }), {
      placeholder: 'LIST', help: "input noise sigmas ('none' skips)", default: [0.1, 0.2, 0.3], none: true,
    }),
    subset: noneOr(numberFlag('subset', {
      placeholder: 'X', help: "share of the training set for overfitting ('none' skips)", min: 1e-6, max: 1, default: 0.1,
    })),
    overfitEpochs: numberFlag('overfit-epochs', { placeholder: 'N', help: 'epochs of the overfitting runs', min: 1, integer: true, default: 40 }),
    seeds: seeds([1, 2, 3]),
    models: models(['dense', 'dropout', 'midl']),
    epochs: withHelp(epochs, "epochs of the label- and input-noise models (default: the\ndataset's recipe)"),
    limitTrain,
    limitTest,
    keep,
    dataDir,
  },
  async run(v) {
    const recipe = recipeFor(v.dataset, false);
    const p = {
      plan: {
        epochs: v.epochs ?? recipe.epochs, batchSize: recipe.batchSize, lr: recipe.lr, weightDecay: recipe.weightDecay,
        limitTrain: v.limitTrain ?? null, limitTest: v.limitTest ?? null, keep: v.keep, dropout: 0.2,
      },
      models: v.models, seeds: v.seeds, labelNoise: v.labelNoise, inputNoise: v.inputNoise,
      subset: v.subset, overfitEpochs: v.overfitEpochs,
    };
    const data = await loadDataset(v.dataset, { dataDir: checkDataDir(v.dataDir) });
    const records = runRobustness(data, p, trainingProgress);
    process.stdout.write(`${v.dataset}: robustness of ${p.models.join(', ')} over seeds ${p.seeds.join(', ')}\n\n${formatRecords(records)}\n`);
    if (v.json) {
      const settings = {
        label_noise: p.labelNoise, input_noise: p.inputNoise, subset: p.subset, overfitting_epochs: p.overfitEpochs,
        models: p.models, seeds: p.seeds, ...p.plan,
      };
      process.stdout.write(`${JSON.stringify({ dataset: v.dataset, machine: describeMachine(), settings, ...records })}\n`);
    }
    return 0;
  },
});
