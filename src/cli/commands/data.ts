/** `midl data inspect`: what a dataset's files hold, as a table or JSON. */
import { classCounts, loadDataset, valueRange, type Dataset, type DownloadProgress } from '../../data/index.js';
import { commandGroup, defineCommand } from '../command.js';
import { withHelp } from '../flags.js';
import { checkDataDir } from '../paths.js';
import { ProgressBar } from '../progress.js';
import { dataDir, dataset } from '../shared-flags.js';

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

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: "a dataset's files, split sizes, class counts, input shape and value ranges",
  usage: 'midl data inspect --dataset D [--data-dir DIR] [--json]',
  description:
    'Reads a dataset and prints the files found, split sizes, class counts, input\n' +
    'shape and value ranges (after preprocessing). With --json, stdout ends with one\n' +
    'JSON object (dataset, train, test, num_classes, input_shape, class_counts, files, ...).',
  flags: {
    dataset,
    dataDir: withHelp(
      dataDir,
      'where the files are: the files themselves, the folder the\nofficial archive unpacks to, or a root holding several\n' +
        'datasets (mnist/, cifar-10/, ...). Default: $MIDL_DATA_DIR,\nelse ~/.cache/midl (downloaded there when missing)',
    ),
  },
  computes: false,
  async run(v) {
    const d = await loadDataset(v.dataset, { dataDir: checkDataDir(v.dataDir), onProgress: downloadProgress() });
    process.stdout.write(`${v.json ? JSON.stringify(summary(d)) : table(d)}\n`);
    return 0;
  },
});

export const dataCommand = commandGroup('data', 'inspect a dataset: files, split sizes, class counts, shapes, value ranges', [inspectCommand]);
