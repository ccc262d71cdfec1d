/** `midl bench`: speed measurements (`bench layer`: one MID-L layer against the dense layer). */
import { backend } from '../../backend/index.js';
import { MidlInputError } from '../../errors.js';
import { loadDataset } from '../../data/load.js';
import { benchLayer, benchLayerPhases, benchTrainedLayers, type LayerBenchRow } from '../../experiments/layer-bench.js';
import type { LayerPhases } from '../../experiments/layer-phases.js';
import { modelFromCheckpoint } from '../../experiments/run.js';
import { MIDL } from '../../midl/layer.js';
import { benchModelCommand } from './bench-model.js';
import { listFlag, numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';

const help = `Usage: midl bench layer [options]
       midl bench layer --checkpoint FILE [--data-dir DIR] [--batch LIST] [--phases] [--json]
       midl bench model --dataset D [options]   (see midl bench model --help)

Times one hidden layer at inference, side by side in one process: the dense
Linear (+ReLU), MID-L with its sparse kernel, and MID-L dense-then-mask, each
in turn, round after round, so the machine's drift cancels out of the ratios.
For reference, 'dense k ms' times a dense Linear with only the k = keep * out
outputs MID-L computes in full: the same full-path FLOPs as one dense product.

A random layer selects its neurons uniformly. With --checkpoint, each MID-L
layer of a trained model (a file from midl train --out or midl reproduce) is
timed instead, on its real inputs: test examples drawn by a fixed seed, through
the layers before it. Trained layers select some neurons for nearly every
input, and the sparse kernel computes those as dense columns.

With --phases, a second table says where MID-L's time goes: each part of the
layer timed alone (projection, gate head, light head, top-k, sigmoid, and the
full path over the batch's real selection), beside the dense layer and the
whole MID-L forward. 'fixed/dense' is the parts other than the full path over
the dense time: a floor under sparse/dense that no full-path kernel removes.

Options:
  --in D              input features (default 784)
  --out N             output neurons (default 512)
  --keep X            MID-L keep ratio (default 0.45)
  --block B           MID-L block size: select blocks of B neurons (default 1;
                      --out must be a multiple of it)
  --batch LIST        comma-separated batch sizes (default 1,8,64,256)
  --checkpoint FILE   time the MID-L layers of this trained model instead
  --data-dir DIR      where its dataset's files are (with --checkpoint)
  --phases            also time each part of the layer (see above)
  --json              last line of stdout is one JSON object with the results
  -h, --help          this text

Set MIDL_THREADS to choose the thread count, and MIDL_GEMM=openblas to run the
matrix products on OpenBLAS instead of midl's AVX-512 kernel.
`;

function parseBatch(item: string): number {
  const v = Number(item);
  if (!Number.isInteger(v) || v < 1) throw new Error(`'${item}' is not a positive integer`);
  return v;
}

function printRows(title: string, rows: LayerBenchRow[]): void {
  process.stdout.write(`${title}, backend ${backend().name}, ${backend().getThreads()} thread(s)\n`);
  process.stdout.write('batch   dense ms   MID-L sparse ms   MID-L masked ms   dense k ms   sparse/dense   FLOPs ratio\n');
  for (const r of rows) {
    process.stdout.write(
      `${String(r.batch).padStart(5)}  ${r.dense_ms.toFixed(4).padStart(9)}  ${r.midl_sparse_ms.toFixed(4).padStart(16)}  ` +
        `${r.midl_masked_ms.toFixed(4).padStart(16)}  ${r.dense_k_ms.toFixed(4).padStart(11)}  ` +
        `${r.time_ratio.toFixed(2).padStart(13)}  ${r.flops_ratio.toFixed(2).padStart(12)}\n`,
    );
  }
}

function printPhases(rows: LayerPhases[]): void {
  process.stdout.write('where the time goes, us (each part timed alone):\n');
  process.stdout.write('batch     dense     MID-L  projection  gate head  light head    top-k  sigmoid  full path  fixed/dense\n');
  for (const p of rows) {
    const us = [p.dense_us, p.midl_us, p.projection_us, p.gate_head_us, p.light_head_us, p.topk_us, p.sigmoid_us, p.full_path_us];
    const widths = [8, 9, 11, 10, 11, 8, 8, 10];
    process.stdout.write(
      `${String(p.batch).padStart(5)} ${us.map((v, i) => v.toFixed(1).padStart(widths[i] + 1)).join('')}` +
        `${p.fixed_ratio.toFixed(2).padStart(13)}\n`,
    );
  }
}

/** The JSON form of a table's rows (the issue's field names). */
function jsonRows(rows: LayerBenchRow[]): object[] {
  return rows.map((r) => ({
    batch: r.batch, dense_ms: r.dense_ms, midl_sparse_ms: r.midl_sparse_ms, midl_masked_ms: r.midl_masked_ms,
    dense_k_ms: r.dense_k_ms, flops_ratio: r.flops_ratio,
  }));
}

async function benchTrainedCommand(
  file: string, dataDir: string | undefined, batches: number[], phases: boolean, json: boolean,
): Promise<number> {
  const { model, config, inputShape } = modelFromCheckpoint(file);
  if (!model.layers.some((m) => m instanceof MIDL)) {
    throw new MidlInputError(`--checkpoint: ${file} holds a ${config.model} model, with no MID-L layer`);
  }
  const data = await loadDataset(config.dataset, { dataDir });
  const layers = benchTrainedLayers(model, data.test, inputShape, batches, phases);
  for (const l of layers) {
    printRows(`${config.dataset} layer ${l.layer}: ${l.in} -> ${l.out}, keep ${l.keep}`, l.rows);
    if (l.phases) printPhases(l.phases);
  }
  if (json) {
    const out = layers.map((l) => ({
      layer: l.layer, in: l.in, out: l.out, keep: l.keep, results: jsonRows(l.rows), ...(l.phases ? { phases: l.phases } : {}),
    }));
    const summary = { checkpoint: file, dataset: config.dataset, backend: backend().name, threads: backend().getThreads(), layers: out };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  return 0;
}

async function benchLayerCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    in: { type: 'string' }, out: { type: 'string' }, keep: { type: 'string' }, batch: { type: 'string' },
    checkpoint: { type: 'string' }, 'data-dir': { type: 'string' }, phases: { type: 'boolean' }, block: { type: 'string' },
  });
  if (flags.help) {
    process.stdout.write(help);
    return 0;
  }
  const batches = listFlag(flags, 'batch', [1, 8, 64, 256], parseBatch);
  const phases = flags.phases === true;
  if (typeof flags.checkpoint === 'string') {
    for (const name of ['in', 'out', 'keep', 'block']) {
      if (flags[name] !== undefined) throw new MidlInputError(`--${name}: not with --checkpoint (its layers' own sizes are used)`);
    }
    return benchTrainedCommand(flags.checkpoint, flags['data-dir'] as string | undefined, batches, phases, flags.json === true);
  }
  if (flags['data-dir'] !== undefined) throw new MidlInputError('--data-dir: only with --checkpoint');
  const inF = numberFlag(flags, 'in', 784, { min: 1, integer: true });
  const outF = numberFlag(flags, 'out', 512, { min: 1, integer: true });
  const keep = numberFlag(flags, 'keep', 0.45, { min: 1e-6, max: 1 });
  const block = numberFlag(flags, 'block', 1, { min: 1, integer: true });
  if (outF % block !== 0) throw new MidlInputError(`--block: ${block} does not divide --out ${outF}`);
  if (phases && block > 1) throw new MidlInputError('--phases: only for per-neuron selection (--block 1)');
  const rows = benchLayer(inF, outF, keep, batches, 1, block);
  printRows(`layer ${inF} -> ${outF}, keep ${keep}${block > 1 ? `, block ${block}` : ''}`, rows);
  const phaseRows = phases ? benchLayerPhases(inF, outF, keep, batches) : undefined;
  if (phaseRows) printPhases(phaseRows);
  if (flags.json) {
    const summary = {
      in: inF, out: outF, keep, block, backend: backend().name, threads: backend().getThreads(), results: jsonRows(rows),
      ...(phaseRows ? { phases: phaseRows } : {}),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  return 0;
}

/** Subcommands of `midl bench`, by name. */
const subcommands: Record<string, (argv: string[]) => Promise<number>> = {
  layer: benchLayerCommand,
  model: (argv) => benchModelCommand.run(argv),
};

export const benchCommand: Command = {
  name: 'bench',
  summary: 'speed: bench layer (one MID-L layer), bench model (a benchmark\'s models: latency, memory)',
  help,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(help);
      return sub === undefined ? 2 : 0;
    }
    const run = subcommands[sub];
    if (run === undefined) throw new MidlInputError(`bench: unknown subcommand '${sub}' (expected ${Object.keys(subcommands).join(', ')})`);
    return run(rest);
  },
};
