/** `midl frontier`: test accuracy against FLOPs per example, MID-L against its alternatives at each keep. */
import { loadDataset } from '../../data/load.js';
import { datasetNames } from '../../data/types.js';
import {
  defaultFrontierKeeps, frontierVerdicts, runFrontier, summarizeFrontier, type FrontierSummary,
} from '../../experiments/frontier.js';
import { textTable } from '../../experiments/report/markdown.js';
import { listFlag, numberFlag, parseFlags, requiredChoice } from '../args.js';
import type { Command } from '../command.js';
import { keepList } from '../keep-flag.js';
import { trainingProgress } from './robustness.js';

const help = `Usage: midl frontier --dataset D [options]

Maps test accuracy against FLOPs per example on one dataset. At each keep ratio
it trains MID-L (k per input), MID-L's adaptive preset with that budget, static
sparsity, and a dense model whose hidden widths are narrowed to MID-L's FLOPs;
plus the dense and dropout models at full width. Then it says, per keep, which
is most accurate at about equal FLOPs, by how much, and against the spread over
seeds.

Options:
  --dataset D        ${datasetNames.join(', ')} (required)
  --keeps LIST       keep ratios in (0, 1] (default ${defaultFrontierKeeps.join(',')})
  --seeds LIST       comma-separated seeds (default 1,2,3)
  --quick            the dataset's quick recipe (fewer epochs, subsets)
  --epochs N         override the recipe's epochs
  --limit-train N    override the recipe's training subset
  --limit-test N     override the recipe's test subset
  --data-dir DIR     where the dataset's files are
  --json             last line of stdout is one JSON object: every point and the verdicts
  -h, --help         this text
`;

function parseSeed(item: string): number {
  const v = Number(item);
  if (!Number.isInteger(v) || v < 0) throw new Error(`'${item}' is not a non-negative integer`);
  return v;
}

function summaryTable(rows: FrontierSummary[]): string {
  return textTable({
    title: 'Frontier',
    header: ['Model', 'Keep', 'Seeds', 'Accuracy %', 'Std', 'MFLOPs/example', 'Active %'],
    rows: rows.map((r) => [
      r.model, r.keep === null ? 'full' : String(r.keep), String(r.seeds), (100 * r.accuracy).toFixed(2),
      r.accuracy_std === null ? '' : (100 * r.accuracy_std).toFixed(2), (r.flops_per_example / 1e6).toFixed(3), (100 * r.active_ratio).toFixed(1),
    ]),
    numericFrom: 1,
  });
}

export const frontierCommand: Command = {
  name: 'frontier',
  summary: 'accuracy against FLOPs: MID-L, adaptive, static, narrow dense at each keep',
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      dataset: { type: 'string' },
      keeps: { type: 'string' },
      seeds: { type: 'string' },
      quick: { type: 'boolean' },
      epochs: { type: 'string' },
      'limit-train': { type: 'string' },
      'limit-test': { type: 'string' },
      'data-dir': { type: 'string' },
    });
    if (flags.help) {
      process.stdout.write(help);
      return 0;
    }
    const dataset = requiredChoice(flags, 'dataset', datasetNames);
    const keeps = keepList(flags.keeps, 'keeps') ?? defaultFrontierKeeps;
    const seeds = listFlag(flags, 'seeds', [1, 2, 3], parseSeed);
    const optional = (name: string): number | undefined =>
      flags[name] === undefined ? undefined : numberFlag(flags, name, 0, { min: 1, integer: true });
    const override = { epochs: optional('epochs'), limitTrain: optional('limit-train'), limitTest: optional('limit-test') };
    const data = await loadDataset(dataset, { dataDir: flags['data-dir'] as string | undefined });
    const points = runFrontier(data, { keeps, seeds, quick: flags.quick === true, override }, (label, i, total) => trainingProgress(`[${i}/${total}] ${label}`));
    const verdicts = frontierVerdicts(dataset, points);
    process.stdout.write(`${summaryTable(summarizeFrontier(points))}\n\n${verdicts.map((v) => v.text).join('\n')}\n`);
    if (flags.json) process.stdout.write(`${JSON.stringify({ dataset, keeps, seeds, points, verdicts })}\n`);
    return 0;
  },
};
