/** `midl bench`: speed measurements (`bench layer`: one MID-L layer against the dense layer; `bench model`: bench-model.ts). */
import { backend } from '../../backend/index.js';
import { MidlInputError } from '../../errors.js';
import { loadDataset } from '../../data/load.js';
import { benchLayer, benchLayerPhases, benchTrainedLayers, type LayerBenchRow } from '../../experiments/layer-bench.js';
import type { LayerPhases } from '../../experiments/layer-phases.js';
import { checkFitsData, modelFromCheckpoint } from '../../experiments/run.js';
import { MIDL } from '../../midl/layer.js';
import { benchModelCommand } from './bench-model.js';
import { commandGroup, defineCommand } from '../command.js';
import { booleanFlag, numberFlag, stringFlag, withHelp } from '../flags.js';
import { checkDataDir } from '../paths.js';
import { batchSizes, dataDir } from '../shared-flags.js';

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
  const loaded = modelFromCheckpoint(file);
  const { model, config, inputShape } = loaded;
  if (!model.layers.some((m) => m instanceof MIDL)) {
    throw new MidlInputError(`--checkpoint: ${file} holds a ${config.model} model, with no MID-L layer`);
  }
  const data = await loadDataset(config.dataset, { dataDir });
  checkFitsData(file, loaded, data);
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

export const benchLayerCommand = defineCommand({
  name: 'layer',
  summary: 'one MID-L layer against the dense layer, side by side',
  usage: 'midl bench layer [options]\n       midl bench layer --checkpoint FILE [--data-dir DIR] [--batch LIST] [--phases] [--json]',
  description:
    'Times one hidden layer at inference, side by side in one process: the dense\n' +
    'Linear (+ReLU), MID-L with its sparse kernel, and MID-L dense-then-mask, each\n' +
    "in turn, round after round, so the machine's drift cancels out of the ratios.\n" +
    "For reference, 'dense k ms' times a dense Linear with only the k = keep * out\n" +
    'outputs MID-L computes in full: the same full-path FLOPs as one dense product.\n\n' +
    'A random layer selects its neurons uniformly. With --checkpoint, each MID-L\n' +
    'layer of a trained model (a file from midl train --out or midl reproduce) is\n' +
    'timed instead, on its real inputs: test examples drawn by a fixed seed, through\n' +
    'the layers before it. Trained layers select some neurons for nearly every\n' +
    'input, and the sparse kernel computes those as dense columns.\n\n' +
    "With --phases, a second table says where MID-L's time goes: each part of the\n" +
    'layer timed alone (projection, gate head, light head, top-k, sigmoid, and the\n' +
    "full path over the batch's real selection), beside the dense layer and the\n" +
    "whole MID-L forward. 'fixed/dense' is the parts other than the full path over\n" +
    'the dense time: a floor under sparse/dense that no full-path kernel removes.',
  flags: {
    in: numberFlag('in', { placeholder: 'D', help: 'input features (default 784)', min: 1, integer: true }),
    out: numberFlag('out', { placeholder: 'N', help: 'output neurons (default 512)', min: 1, integer: true }),
    keep: numberFlag('keep', { placeholder: 'X', help: 'MID-L keep ratio (default 0.45)', min: 1e-6, max: 1 }),
    block: numberFlag('block', {
      placeholder: 'B', help: 'MID-L block size: select blocks of B neurons (default 1;\n--out must be a multiple of it)', min: 1, integer: true,
    }),
    batch: batchSizes([1, 8, 64, 256]),
    checkpoint: stringFlag('checkpoint', { placeholder: 'FILE', help: 'time the MID-L layers of this trained model instead' }),
    dataDir: withHelp(dataDir, "where its dataset's files are (with --checkpoint)"),
    phases: booleanFlag('phases', 'also time each part of the layer (see above)'),
  },
  notes:
    "Set MIDL_GEMM=openblas to run the matrix products on OpenBLAS instead of midl's\nAVX-512 kernel.",
  async run(v) {
    if (v.checkpoint !== undefined) {
      for (const [name, value] of Object.entries({ in: v.in, out: v.out, keep: v.keep, block: v.block })) {
        if (value !== undefined) throw new MidlInputError(`--${name}: not with --checkpoint (its layers' own sizes are used)`);
      }
      return benchTrainedCommand(v.checkpoint, checkDataDir(v.dataDir), v.batch, v.phases, v.json);
    }
    if (v.dataDir !== undefined) throw new MidlInputError('--data-dir: only with --checkpoint');
    const [inF, outF, keep, block] = [v.in ?? 784, v.out ?? 512, v.keep ?? 0.45, v.block ?? 1];
    if (outF % block !== 0) throw new MidlInputError(`--block: ${block} does not divide --out ${outF}`);
    if (v.phases && block > 1) throw new MidlInputError('--phases: only for per-neuron selection (--block 1)');
    const rows = benchLayer(inF, outF, keep, v.batch, 1, block);
    printRows(`layer ${inF} -> ${outF}, keep ${keep}${block > 1 ? `, block ${block}` : ''}`, rows);
    const phaseRows = v.phases ? benchLayerPhases(inF, outF, keep, v.batch) : undefined;
    if (phaseRows) printPhases(phaseRows);
    if (v.json) {
      const summary = {
        in: inF, out: outF, keep, block, backend: backend().name, threads: backend().getThreads(), results: jsonRows(rows),
        ...(phaseRows ? { phases: phaseRows } : {}),
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    }
    return 0;
  },
});

export const benchCommand = commandGroup(
  'bench',
  "speed: bench layer (one MID-L layer), bench model (a benchmark's models: latency, memory)",
  [benchLayerCommand, benchModelCommand],
);
