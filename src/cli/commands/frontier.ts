/** `midl frontier`: test accuracy against FLOPs per example, MID-L against its alternatives at each keep. */
import { loadDataset } from '../../data/load.js';
import {
  defaultFrontierKeeps, frontierVerdicts, runFrontier, summarizeFrontier, type FrontierSummary,
} from '../../experiments/frontier.js';
import { textTable } from '../../experiments/report/markdown.js';
import { defineCommand } from '../command.js';
import { booleanFlag, withHelp } from '../flags.js';
import { keepsList } from '../keep-flag.js';
import { checkDataDir } from '../paths.js';
import { trainingProgress } from '../progress.js';
import { dataDir, dataset, epochs, limitTest, limitTrain, seeds } from '../shared-flags.js';

const flags = {
  dataset,
  keeps: keepsList(defaultFrontierKeeps),
  seeds: seeds([1, 2, 3]),
  quick: booleanFlag('quick', "the dataset's quick recipe (fewer epochs, subsets)"),
  epochs: withHelp(epochs, "override the recipe's epochs"),
  limitTrain: withHelp(limitTrain, "override the recipe's training subset"),
  limitTest: withHelp(limitTest, "override the recipe's test subset"),
  dataDir,
};

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

export const frontierCommand = defineCommand({
  name: 'frontier',
  summary: 'accuracy against FLOPs: MID-L, adaptive, static, narrow dense at each keep',
  usage: 'midl frontier --dataset D [options]',
  description:
    'Maps test accuracy against FLOPs per example on one dataset. At each keep ratio\n' +
    "it trains MID-L (k per input), MID-L's adaptive preset with that budget, static\n" +
    "sparsity, and a dense model whose hidden widths are narrowed to MID-L's FLOPs;\n" +
    'plus the dense and dropout models at full width. Then it says, per keep, which\n' +
    'is most accurate at about equal FLOPs, by how much, and against the spread over\n' +
    'seeds. With --json the last line of stdout is one JSON object: every point and the verdicts.',
  flags,
  async run(v) {
    const override = { epochs: v.epochs, limitTrain: v.limitTrain, limitTest: v.limitTest };
    const data = await loadDataset(v.dataset, { dataDir: checkDataDir(v.dataDir) });
    const points = runFrontier(data, { keeps: v.keeps, seeds: v.seeds, quick: v.quick, override }, (label, i, total) => trainingProgress(`[${i}/${total}] ${label}`));
    const verdicts = frontierVerdicts(v.dataset, points);
    process.stdout.write(`${summaryTable(summarizeFrontier(points))}\n\n${verdicts.map((x) => x.text).join('\n')}\n`);
    if (v.json) process.stdout.write(`${JSON.stringify({ dataset: v.dataset, keeps: v.keeps, seeds: v.seeds, points, verdicts })}\n`);
    return 0;
  },
});
