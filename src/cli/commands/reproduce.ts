/** `midl reproduce`: rerun the MID-L study and write the table and the report. */
import * as path from 'node:path';
import { datasetNames, type DatasetName } from '../../data/types.js';
import { MidlInputError } from '../../errors.js';
import { analysisNames, analysisSettings, studyAnalyses, type AnalysisName } from '../../experiments/analyses/index.js';
import { hiddenLayerCount, keepPerLayer, variants, type Variant } from '../../experiments/models.js';
import { keepFlag } from '../keep-flag.js';
import { formatResultsTable } from '../../experiments/report/markdown.js';
import { runStudy } from '../../experiments/reproduce.js';
import { selectionModes } from '../../midl/adaptive.js';
import { choiceFlag, listFlag, numberFlag, parseFlags } from '../args.js';
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
  --keep X[,X..]     MID-L and static keep ratio, or one per hidden layer (every
                     dataset's model must then have that many) (default 0.45)
  --midl-mode M      MID-L selection: ${selectionModes.join(', ')} (default fixed; adaptive: a mean
                     budget per layer, the count varying per input)
  --budget X         adaptive mode's mean fraction of active neurons (default: keep)
  --quick            a small real configuration of every dataset (minutes, not hours)
  --data-dir ROOT    a folder holding the datasets (e.g. ../shared/data)
  --out DIR          where results go (default ./results)
  --resume           skip runs already finished in DIR; continue a half-trained one
  --analyses LIST    after each dataset's runs, from ${analysisNames.join(',')} (default:
                     all): SMI of the hidden layers; label noise, input noise and
                     overfitting; latency and memory; active neurons per
                     example; the accuracy-FLOPs frontier (--quick: smaller settings,
                     extra training on adult only; results.json config.analyses
                     records them)
  --no-analyses      only the runs and the table
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
      'midl-mode': { type: 'string' },
      budget: { type: 'string' },
      quick: { type: 'boolean' },
      'data-dir': { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      analyses: { type: 'string' },
      'no-analyses': { type: 'boolean' },
      epochs: { type: 'string' },
      'limit-train': { type: 'string' },
      'limit-test': { type: 'string' },
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
    const afterDataset = analyses.length === 0 ? undefined : studyAnalyses({
      settings: analysisSettings(quick, analyses), outDir, resume: flags.resume === true,
      override, quick, log, onRunStart: trainingProgress,
    });
    const datasets = listFlag(flags, 'datasets', [...datasetNames], parseDataset);
    const keep = keepFlag(flags.keep);
    for (const d of datasets) keepPerLayer(keep, hiddenLayerCount(d)); // a wrong-length list fails before any training
    const started = Date.now();
    let bar: ProgressBar | null = null;
    const results = await runStudy({
      datasets,
      models: listFlag(flags, 'models', [...variants], parseVariant),
      seeds: listFlag(flags, 'seeds', quick ? [1] : [1, 2, 3], parseSeed),
      keep,
      ...(flags['midl-mode'] !== undefined || flags.budget !== undefined ? {
        midl: {
          mode: choiceFlag(flags, 'midl-mode', selectionModes, 'fixed'),
          ...(flags.budget === undefined ? {} : { budget: numberFlag(flags, 'budget', 0.45, { min: 1e-6, max: 1 }) }),
        },
      } : {}),
      quick,
      dataRoot: flags['data-dir'] as string | undefined,
      outDir,
      resume: flags.resume === true,
      override,
      afterDataset,
      log,
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
    process.stdout.write(`${formatResultsTable(results)}\n`);
    process.stdout.write(
      `\nWrote ${path.join(outDir, 'results.json')}, results.md and report.html ` +
        `(${((Date.now() - started) / 60000).toFixed(1)} min).\n`,
    );
    return 0;
  },
};
