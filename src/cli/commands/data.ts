/** `midl data inspect`: what a dataset's files hold, as a table or JSON. */
import type { Command } from '../command.js';
import { choiceFlag, parseFlags } from '../args.js';
import { ProgressBar } from '../progress.js';
import { MidlInputError } from '../../errors.js';
import { classCounts, datasetNames, loadDataset, valueRange, type Dataset, type DatasetName, type DownloadProgress } from '../../data/index.js';

const help = `Usage: midl data inspect --dataset NAME [--data-dir DIR] [--json]

Reads a dataset and prints the files found, split sizes, class counts, input
shape and value ranges (after preprocessing).

  --dataset NAME   one of ${datasetNames.join(', ')}
  --data-dir DIR   where the files are: the files themselves, the folder the
                   official archive unpacks to, or a root holding several
                   datasets (mnist/, cifar-10/, ...). Default: $MIDL_DATA_DIR,
                   else ~/.cache/midl (downloaded there when missing)
  --json           end stdout with one JSON object (dataset, train, test,
                   num_classes, input_shape, class_counts, files, ...)
  -h, --help       this text`;

function summary(d: Dataset): Record<string, unknown> {
  return {
    dataset: d.name,
    train: d.train.count,
    test: d.test.count,
    num_classes: d.numClasses,
    input_shape: d.inputShape,
    class_names: d.classNames,
    class_counts: { train: classCounts(d.train.y, d.numClasses), test: classCounts(d.test.y, d.numClasses) },
    value_range: { train: valueRange(d.train), test: valueRange(d.test) },
    files: d.files,
    notes: d.notes,
  };
}

function table(d: Dataset): string {
  const counts = { train: classCounts(d.train.y, d.numClasses), test: classCounts(d.test.y, d.numClasses) };
  const fmt = ([lo, hi]: [number, number]): string => `[${lo.toFixed(3)}, ${hi.toFixed(3)}]`;
  const width = Math.max(5, ...d.classNames.map((n) => n.length));
  const lines = [
    `dataset      ${d.name}`,
    `input shape  ${d.inputShape.join('x')}`,
    `train        ${d.train.count} examples, values in ${fmt(valueRange(d.train))}`,
    `test         ${d.test.count} examples, values in ${fmt(valueRange(d.test))}`,
    'files',
    ...d.files.map((f) => `  ${f}`),
    ...(d.notes.length > 0 ? ['notes', ...d.notes.map((n) => `  ${n}`)] : []),
    `${'class'.padEnd(width)}  ${'train'.padStart(7)}  ${'test'.padStart(7)}`,
    ...d.classNames.map((name, c) => `${name.padEnd(width)}  ${String(counts.train[c]).padStart(7)}  ${String(counts.test[c]).padStart(7)}`),
  ];
  return lines.join('\n');
}

/** A progress bar per downloaded file (on stderr), fed with the bytes received so far. */
function downloadProgress(): (p: DownloadProgress) => void {
  const bars = new Map<string, { bar: ProgressBar; shown: number }>();
  return (p) => {
    if (p.total === null) return;
    const entry = bars.get(p.file) ?? { bar: new ProgressBar(`download ${p.file}`, p.total, 'B'), shown: 0 };
    bars.set(p.file, entry);
    if (p.received >= p.total) entry.bar.finish();
    else entry.bar.tick(p.received - entry.shown);
    entry.shown = p.received;
  };
}

async function inspect(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { dataset: { type: 'string' }, 'data-dir': { type: 'string' } });
  if (flags.help === true) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  if (flags.dataset === undefined) throw new MidlInputError(`--dataset: required (one of ${datasetNames.join(', ')})`);
  const name: DatasetName = choiceFlag(flags, 'dataset', datasetNames, 'mnist');
  const d = await loadDataset(name, { dataDir: flags['data-dir'] as string | undefined, onProgress: downloadProgress() });
  process.stdout.write(`${flags.json === true ? JSON.stringify(summary(d)) : table(d)}\n`);
  return 0;
}

export const dataCommand: Command = {
  name: 'data',
  summary: 'inspect a dataset: files, split sizes, class counts, shapes, value ranges',
  help,
  async run(argv: string[]): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(`${help}\n`);
      return sub === undefined ? 2 : 0;
    }
    if (sub !== 'inspect') throw new MidlInputError(`data: unknown subcommand '${sub}' (expected inspect)`);
    return inspect(rest);
  },
};
