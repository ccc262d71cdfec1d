/** `midl smi`: sliced mutual information of a trained model's hidden layers with the label. */
import { loadDataset } from '../../data/load.js';
import { MidlInputError } from '../../errors.js';
import { smiOfModel, smiSampleProblem, type Distribution, type SmiStudyRecord } from '../../experiments/analyses/smi-study.js';
import { textTable } from '../../experiments/report/markdown.js';
import { modelFromCheckpoint } from '../../experiments/run.js';
import { listFlag, numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';

const help = `Usage: midl smi --checkpoint FILE [options]

Estimates SMI(H; Y), the sliced mutual information between a hidden layer's
activations H (after its ReLU, in eval mode) and the label Y, on a seeded random
sample of the test split, averaged over random directions, with its standard
error (docs/smi.md).
For MID-L layers it also compares I(h_j; Y) of the neurons the gate selects most
often with the neurons it selects least often (a share of the layer each).

Options:
  --checkpoint FILE    a checkpoint written by midl train or reproduce (required)
  --layer LIST         hidden layers by name (hidden1, hidden2, ...) or module path
                       (default: every hidden layer)
  --directions M       random directions, >= 2 (default 1000)
  --examples N         test examples sampled at random (default 2000)
  --neuron-share X     share of a MID-L layer's neurons per group (default 0.25)
  --seed S             seed of the sample and the directions (default 1)
  --data-dir DIR       where the dataset's files are
  --json               last line of stdout is one JSON object with the records
  -h, --help           this text

Values are in nats.
`;

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

export const smiCommand: Command = {
  name: 'smi',
  summary: "sliced mutual information of a checkpoint's hidden layers with the label",
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      checkpoint: { type: 'string' },
      layer: { type: 'string' },
      directions: { type: 'string' },
      examples: { type: 'string' },
      'neuron-share': { type: 'string' },
      seed: { type: 'string' },
      'data-dir': { type: 'string' },
    });
    if (flags.help) {
      process.stdout.write(help);
      return 0;
    }
    if (typeof flags.checkpoint !== 'string') throw new MidlInputError('--checkpoint: required (a file written by midl train --out)');
    const settings = {
      directions: numberFlag(flags, 'directions', 1000, { min: 2, integer: true }),
      examples: numberFlag(flags, 'examples', 2000, { min: 2, integer: true }),
      seed: numberFlag(flags, 'seed', 1, { min: 0, max: 2 ** 32 - 1, integer: true }),
      neuronShare: numberFlag(flags, 'neuron-share', 0.25, { min: 1e-6, max: 0.5 }),
    };
    const layers = flags.layer === undefined ? undefined : listFlag(flags, 'layer', [], (item) => item);
    const { model, config, inputShape } = modelFromCheckpoint(flags.checkpoint);
    const data = await loadDataset(config.dataset, { dataDir: flags['data-dir'] as string | undefined });
    const problem = smiSampleProblem(data.test, settings);
    if (problem !== null) throw new MidlInputError(`--examples: ${problem}`);
    let records: SmiStudyRecord[];
    try {
      records = smiOfModel(model, { dataset: config.dataset, model: config.model, seed: config.seed }, data.test, inputShape, settings, layers);
    } catch (err) {
      if (err instanceof RangeError && err.message.startsWith('no hidden layer')) throw new MidlInputError(`--layer: ${err.message}`);
      throw err;
    }
    process.stdout.write(`${config.dataset} ${config.model} (seed ${config.seed}), ${flags.checkpoint}\n\n${smiTable(records)}\n`);
    const lines = neuronLines(records);
    if (lines.length > 0) process.stdout.write(`\n${lines.join('\n')}\n`);
    if (flags.json) {
      const summary = {
        checkpoint: flags.checkpoint, dataset: config.dataset, model: config.model, seed: config.seed, direction_seed: settings.seed, smi: records,
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    }
    return 0;
  },
};
