/** `midl reproduce`: rerun the MID-L study and write the table and the report. */
import * as path from 'node:path';
import { datasetNames } from '../../data/types.js';
import { MidlInputError } from '../../errors.js';
import { analysisNames, analysisSettings, defaultAnalyses, type AnalysisName } from '../../experiments/analyses/index.js';
import { hiddenLayerCount, keepPerLayer, variants } from '../../experiments/models.js';
import { formatResultsTable } from '../../experiments/report/markdown.js';
import { runStudy } from '../../experiments/reproduce.js';
import { parseShard, shardFromEnvironment, type Shard } from '../../experiments/study/shards.js';
import { defineCommand } from '../command.js';
import { booleanFlag, listFlag, numberFlag, oneOf, optionalListFlag, valueFlag, withHelp } from '../flags.js';
import { checkDataDir, prepareOutDir } from '../paths.js';
import { trainingProgress } from '../progress.js';
import { budget, DEFAULT_KEEP, keepRatios, midlMode, midlSelection } from '../keep-flag.js';
import { dataDir, epochs, limitTest, limitTrain, models, out, parseDataset, parseSeed } from '../shared-flags.js';

const flags = {
  datasets: listFlag('datasets', parseDataset, {
    placeholder: 'LIST', help: `comma-separated, from ${datasetNames.join(',')}`, default: datasetNames, defaultText: 'all',
  }),
  models: withHelp(models(variants), `comma-separated, from ${variants.join(',')} (default: all)`),
  seeds: optionalListFlag('seeds', parseSeed, { placeholder: 'LIST', help: 'comma-separated seeds (default 1,2,3; 1 with --quick)' }),
  keep: withHelp(keepRatios, `MID-L and static keep ratio, or one per hidden layer (every\ndataset's model must then have that many) (default ${DEFAULT_KEEP})`),
  midlMode,
  budget,
  quick: booleanFlag('quick', 'a small real configuration of every dataset (minutes, not hours)'),
  dataDir: withHelp(dataDir, 'a folder holding the datasets (e.g. ../shared/data)'),
  out: withHelp(out, 'where results go (default ./results)'),
  resume: booleanFlag('resume', 'skip runs already finished in DIR; continue a half-trained one'),
  epochs: withHelp(epochs, "training epochs of every run (default: the dataset's recipe)"),
  limitTrain,
  limitTest,
  analyses: optionalListFlag('analyses', oneOf(analysisNames, 'analysis'), {
    placeholder: 'LIST',
    help:
      `after each dataset's runs, from ${analysisNames.join(',')} (default:\n` +
      `${defaultAnalyses.join(',')}): SMI of the hidden layers; label noise,\n` +
      'input noise and overfitting; latency and memory; active neurons per\n' +
      'example; the accuracy-FLOPs frontier, which trains 4 models per keep\n' +
      '(--quick: smaller settings, extra training on adult only;\n' +
      'results.json config.analyses records them)',
  }),
  noAnalyses: booleanFlag('no-analyses', 'only the runs and the table'),
  shard: valueFlag('shard', (text) => (text === 'auto' ? 'auto' : parseShard(text)), {
    placeholder: 'K/N',
    help:
      'run only the K-th of N shares of equal estimated cost (1-based);\n' +
      'shares write their records into the same DIR, each unit run once;\n' +
      "'midl report DIR' assembles them. auto: the share of a Slurm array\n" +
      'task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job\n' +
      '(JOB_COMPLETION_INDEX, with --shard-count N). See docs/cluster.md',
  }),
  shardCount: numberFlag('shard-count', {
    placeholder: 'N',
    help: 'with --shard auto: N shares, task/index i runs share i+1 (needed\nin an Indexed Job, and to rerun some tasks of a Slurm array)',
    min: 1, integer: true,
  }),
};

/** The share asked for with --shard (and --shard-count), or undefined for the whole study. */
function chosenShard(shard: Shard | 'auto' | undefined, count: number | undefined, log: (line: string) => void): Shard | undefined {
  if (shard !== 'auto' && count !== undefined) throw new MidlInputError('--shard-count: only with --shard auto');
  if (shard !== 'auto') return shard;
  const chosen = shardFromEnvironment(process.env, count);
  log(`share ${chosen.shard.index}/${chosen.shard.count} from the ${chosen.source}`);
  return chosen.shard;
}

/** The analyses asked for: --analyses LIST, none with --no-analyses, all by default. */
function chosenAnalyses(list: AnalysisName[] | undefined, none: boolean): AnalysisName[] {
  if (none && list !== undefined) throw new MidlInputError('--no-analyses: cannot be combined with --analyses');
  return none ? [] : list ?? [...defaultAnalyses];
}

export const reproduceCommand = defineCommand({
  name: 'reproduce',
  summary: 'rerun the study on the six benchmarks; print the table, write the report',
  usage: 'midl reproduce [options]',
  description:
    'Reruns the MID-L study: every dataset x model x seed is trained and evaluated\n' +
    '(accuracy, active neurons, FLOPs), the analyses run after each dataset (latency\n' +
    'and memory side by side among them), then the paper-style table is printed and\n' +
    'DIR/results.json, DIR/results.md and DIR/report.html are written.',
  flags,
  notes: 'Datasets whose files are missing are skipped (the report says why); the command\nfails only when none could run.',
  async run(v) {
    const analyses = chosenAnalyses(v.analyses, v.noAnalyses);
    const outDir = prepareOutDir(v.out ?? 'results');
    const override = { epochs: v.epochs, limitTrain: v.limitTrain, limitTest: v.limitTest };
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    const shard = chosenShard(v.shard, v.shardCount, log);
    const keep = v.keep ?? DEFAULT_KEEP;
    for (const d of v.datasets) keepPerLayer(keep, hiddenLayerCount(d)); // a wrong-length list fails before any training
    const started = Date.now();
    const results = await runStudy({
      datasets: v.datasets,
      models: v.models,
      seeds: v.seeds ?? (v.quick ? [1] : [1, 2, 3]),
      keep,
      midl: midlSelection(v.midlMode, v.budget),
      quick: v.quick,
      dataRoot: checkDataDir(v.dataDir),
      outDir,
      resume: v.resume,
      override,
      analyses: analyses.length === 0 ? undefined : analysisSettings(v.quick, analyses),
      shard,
      log,
      onAnalysisRunStart: trainingProgress,
      onRunStart: (label, index, total) => trainingProgress(`[${index}/${total}] ${label}`),
    }).catch((err: Error) => {
      if (err.message.startsWith('no dataset could run')) throw new MidlInputError(err.message);
      throw err;
    });
    if (results.pending_datasets !== undefined) {
      process.stdout.write(`Share ${shard?.index}/${shard?.count} done; 'midl report ${outDir}' assembles the study when every share is.\n`);
      return 0;
    }
    process.stdout.write(`${formatResultsTable(results)}\n`);
    process.stdout.write(
      `\nWrote ${path.join(outDir, 'results.json')}, results.md and report.html ` +
        `(${((Date.now() - started) / 60000).toFixed(1)} min).\n`,
    );
    return 0;
  },
});
