/** `midl smi`: sliced mutual information of a trained model's hidden layers with the label. */
import { loadDataset } from '../../data/load.js';
import { MidlInputError } from '../../errors.js';
import { smiOfModel, smiSampleProblem, type Distribution, type SmiStudyRecord } from '../../experiments/analyses/smi-study.js';
import { textTable } from '../../experiments/report/markdown.js';
import { checkFitsData, modelFromCheckpoint } from '../../experiments/run.js';
import { defineCommand } from '../command.js';
import { numberFlag, optionalListFlag, withHelp } from '../flags.js';
import { checkDataDir } from '../paths.js';
import { checkpoint, dataDir, seed } from '../shared-flags.js';

function describeGroup(d: Distribution): string {
  return `${d.mean.toFixed(3)} (q1 ${d.q1.toFixed(3)}, median ${d.median.toFixed(3)}, q3 ${d.q3.toFixed(3)})`;
}

function smiTable(records: SmiStudyRecord[]): string {
  return textTable({
    title: 'SMI',
    header: ['Layer', 'Module', 'Width', 'SMI (nats)', 'Std. error', 'Directions', 'Examples'],
    rows: records.map((r) => [
      r.layer, r.module, String(r.width), r.smi.toFixed(4), r.stderr.toFixed(4), String(r.directions), String(r.examples),
    ]),
    numericFrom: 2,
  });
}

function neuronLines(records: SmiStudyRecord[]): string[] {
  return records.flatMap((r) => {
    const groups = r.per_neuron;
    if (groups === undefined) return [];
    return [
      `${r.layer}: I(h_j; Y) of the ${groups.selected_most.length} most-selected neurons ${describeGroup(groups.summary.selected_most)}`,
      `${r.layer}: I(h_j; Y) of the ${groups.selected_least.length} least-selected neurons ${describeGroup(groups.summary.selected_least)}`,
    ];
  });
}

export const smiCommand = defineCommand({
  name: 'smi',
  summary: "sliced mutual information of a checkpoint's hidden layers with the label",
  usage: 'midl smi --checkpoint FILE [options]',
  description:
    "Estimates SMI(H; Y), the sliced mutual information between a hidden layer's\n" +
    'activations H (after its ReLU, in eval mode) and the label Y, on a seeded random\n' +
    'sample of the test split, averaged over random directions, with its standard\n' +
    'error (docs/smi.md).\n' +
    'For MID-L layers it also compares I(h_j; Y) of the neurons the gate selects most\n' +
    'often with the neurons it selects least often (a share of the layer each).',
  flags: {
    checkpoint,
    layer: optionalListFlag('layer', (item) => item, {
      placeholder: 'LIST', help: 'hidden layers by name (hidden1, hidden2, ...) or module path\n(default: every hidden layer)',
    }),
    directions: numberFlag('directions', { placeholder: 'M', help: 'random directions', min: 2, integer: true, default: 1000 }),
    examples: numberFlag('examples', { placeholder: 'N', help: 'test examples sampled at random', min: 2, integer: true, default: 2000 }),
    neuronShare: numberFlag('neuron-share', {
      placeholder: 'X', help: "share of a MID-L layer's neurons per group", min: 1e-6, max: 0.5, default: 0.25,
    }),
    seed: withHelp(seed, 'seed of the sample and the directions (default 1)'),
    dataDir,
  },
  notes: 'Values are in nats.',
  async run(v) {
    const settings = { directions: v.directions, examples: v.examples, seed: v.seed, neuronShare: v.neuronShare };
    const loaded = modelFromCheckpoint(v.checkpoint);
    const { model, config, inputShape } = loaded;
    const data = await loadDataset(config.dataset, { dataDir: checkDataDir(v.dataDir) });
    checkFitsData(v.checkpoint, loaded, data);
    const problem = smiSampleProblem(data.test, settings);
    if (problem !== null) throw new MidlInputError(`--examples: ${problem}`);
    let records: SmiStudyRecord[];
    try {
      records = smiOfModel(model, { dataset: config.dataset, model: config.model, seed: config.seed }, data.test, inputShape, settings, v.layer);
    } catch (err) {
      if (err instanceof RangeError && err.message.startsWith('no hidden layer')) throw new MidlInputError(`--layer: ${err.message}`);
      throw err;
    }
    process.stdout.write(`${config.dataset} ${config.model} (seed ${config.seed}), ${v.checkpoint}\n\n${smiTable(records)}\n`);
    const lines = neuronLines(records);
    if (lines.length > 0) process.stdout.write(`\n${lines.join('\n')}\n`);
    if (v.json) {
      const summary = {
        checkpoint: v.checkpoint, dataset: config.dataset, model: config.model, seed: config.seed, direction_seed: settings.seed, smi: records,
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    }
    return 0;
  },
});
