/** `midl reproduce`: rerun the MID-L study and write the table and the report. */
import * as path from 'node:path';
import { datasetNames, type DatasetName } from '../../data/types.js';
import { MidlInputError } from '../../errors.js';
import { analysisNames, analysisSettings, type AnalysisName } from '../../experiments/analyses/index.js';
import { variants, type Variant } from '../../experiments/models.js';
import { formatResultsTable } from '../../experiments/report/markdown.js';
import { runStudy } from '../../experiments/reproduce.js';
import { parseShard, shardFromEnvironment, type Shard } from '../../experiments/study/shards.js';
import { listFlag, numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { ProgressBar } from '../progress.js';
import { trainingProgress } from './robustness.js';

const help = `Usage: midl reproduce [options]

Reruns the MID-L study (MIDL.md section 4): every dataset x model x seed is
trained and evaluated (accuracy, active neurons, FLOPs, latency), then the
paper-style table is printed and DIR/results.json, DIR/results.md and
DIR/report.html are written.

Options:
  --datasets LIST    comma-separated, from ${datasetNames.join(',')} (default: all)
  --models LIST      comma-separated, from ${variants.join(',')} (default: all)
  --seeds LIST       comma-separated seeds (default 1,2,3; 1 with --quick)
  --keep X           MID-L and static keep ratio (default 0.45)
  --quick            a small real configuration of every dataset (minutes, not hours)
  --data-dir ROOT    a folder holding the datasets (e.g. ../shared/data)
  --out DIR          where results go (default ./results)
  --resume           skip runs already finished in DIR; continue a half-trained one
  --analyses LIST    after each dataset's runs, from ${analysisNames.join(',')} (default:
                     all): SMI of the hidden layers; label noise, input noise and
                     overfitting; latency and memory (--quick: smaller settings,
                     extra training on adult only; results.json config.analyses
                     records them)
  --no-analyses      only the runs and the table
  --shard K/N        run only the K-th of N shares of equal estimated cost (1-based);
                     shares write their records into the same DIR, each unit run once;
                     'midl report DIR' assembles them. auto: the share of a Slurm array
                     task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job
                     (JOB_COMPLETION_INDEX, with --shard-count N). See docs/cluster.md
  --shard-count N    with --shard auto: N shares, task/index i runs share i+1 (needed
                     in an Indexed Job, and to rerun some tasks of a Slurm array)
  -h, --help         this text

Datasets whose files are missing are skipped (the report says why); the command
fails only when none could run.
`;

function parseDataset(item: string): DatasetName {
  if (!(datasetNames as readonly string[]).includes(item)) throw new Error(`unknown dataset '${item}' (expected ${datasetNames.join(', ')})`);
  return item as DatasetName;
}

function parseVariant(item: string): Variant {
  if (!(variants as readonly string[]).includes(item)) throw new Error(`unknown model '${item}' (expected ${variants.join(', ')})`);
  return item as Variant;
}

function parseAnalysis(item: string): AnalysisName {
  if (!(analysisNames as readonly string[]).includes(item)) throw new Error(`unknown analysis '${item}' (expected ${analysisNames.join(', ')})`);
  return item as AnalysisName;
}

/** The analyses asked for: --analyses LIST, none with --no-analyses, all by default. */
function chosenAnalyses(flags: Record<string, unknown>): AnalysisName[] {
  if (flags['no-analyses'] === true) {
    if (flags.analyses !== undefined) throw new MidlInputError('--no-analyses: cannot be combined with --analyses');
    return [];
  }
  return listFlag(flags, 'analyses', [...analysisNames], parseAnalysis);
}

/** The share asked for with --shard (and --shard-count), or undefined for the whole study. */
function chosenShard(flags: Record<string, unknown>, log: (line: string) => void): Shard | undefined {
  const raw = flags.shard as string | undefined;
  const count = flags['shard-count'] === undefined ? undefined : numberFlag(flags, 'shard-count', 0, { min: 1, integer: true });
  if (raw !== 'auto' && count !== undefined) throw new MidlInputError('--shard-count: only with --shard auto');
  if (raw === undefined) return undefined;
  if (raw !== 'auto') return parseShard(raw);
  const { shard, source } = shardFromEnvironment(process.env, count);
  log(`share ${shard.index}/${shard.count} from the ${source}`);
  return shard;
}

function parseSeed(item: string): number {
  const v = Number(item);
  if (!Number.isInteger(v) || v < 0) throw new Error(`'${item}' is not a non-negative integer`);
  return v;
}

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: 'rerun the study on the six benchmarks; print the table, write the report',
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      datasets: { type: 'string' },
      models: { type: 'string' },
      seeds: { type: 'string' },
      keep: { type: 'string' },
      quick: { type: 'boolean' },
      'data-dir': { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      analyses: { type: 'string' },
      'no-analyses': { type: 'boolean' },
      epochs: { type: 'string' },
      'limit-train': { type: 'string' },
      'limit-test': { type: 'string' },
      shard: { type: 'string' },
      'shard-count': { type: 'string' },
    });
    if (flags.help) {
      process.stdout.write(help);
      return 0;
    }
    const quick = flags.quick === true;
    const outDir = path.resolve((flags.out as string | undefined) ?? 'results');
    const optional = (name: string): number | undefined =>
      flags[name] === undefined ? undefined : numberFlag(flags, name, 0, { min: 1, integer: true });
    const analyses = chosenAnalyses(flags);
    const override = { epochs: optional('epochs'), limitTrain: optional('limit-train'), limitTest: optional('limit-test') };
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    const shard = chosenShard(flags, log);
    const started = Date.now();
    let bar: ProgressBar | null = null;
    const results = await runStudy({
      datasets: listFlag(flags, 'datasets', [...datasetNames], parseDataset),
      models: listFlag(flags, 'models', [...variants], parseVariant),
      seeds: listFlag(flags, 'seeds', quick ? [1] : [1, 2, 3], parseSeed),
      keep: numberFlag(flags, 'keep', 0.45, { min: 1e-6, max: 1 }),
      quick,
      dataRoot: flags['data-dir'] as string | undefined,
      outDir,
      resume: flags.resume === true,
      override,
      analyses: analyses.length === 0 ? undefined : analysisSettings(quick, analyses),
      shard,
      log,
      onAnalysisRunStart: trainingProgress,
      onRunStart: (label, index, total) => ({
        onEpochStart: (epoch, epochs, examples) => {
          bar = new ProgressBar(`[${index}/${total}] ${label} epoch ${epoch}/${epochs}`, examples);
        },
        onBatch: (b) => bar?.tick(b.examples, { loss: b.loss.toFixed(3) }),
        onEpochEnd: (e) => bar?.finish({ test_acc: e.test_accuracy.toFixed(4) }),
      }),
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
};
