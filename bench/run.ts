/**
 * `npm run bench`: midl side by side with PyTorch (Debian's python3-torch) and
 * TensorFlow.js (wasm) in one run, on the same shapes and the same real data:
 * GEMM GFLOP/s (also against OpenBLAS called directly), one 60k-example MNIST epoch of
 * the 784-512-512-10 MLP, its inference latency at batch 1 and 256, one MID-L layer
 * against the dense layer, and one CIFAR-10 epoch of the study's small CNN (the model
 * of the CIFAR and SVHN benchmarks; TF.js extrapolates it from 10 batches when its
 * whole epoch would take over 3 minutes). Prints the table with ratios; `--json FILE`
 * saves everything.
 *
 * Usage: node dist/bench/run.js [--tasks T,T,..] [--only midl] [--cnn-batches N] [--json FILE]
 *   --tasks        run only these tasks, on every side: gemm, mlp_epoch, mlp_infer,
 *                  midl_layer, cnn_epoch [all]; e.g. `--tasks cnn_epoch` reruns just the CNN
 *   --only midl    midl's side only, no PyTorch or TF.js
 *   --cnn-batches  cnn_epoch trains only N batches on every side and extrapolates the
 *                  epoch (for development; the rows say so)
 *   --json FILE    every number, the machine and the raw results of each side
 * Data: MNIST from $MIDL_BENCH_MNIST [../shared/data/mnist], CIFAR-10 from
 * $MIDL_BENCH_CIFAR10 [../shared/data/cifar-10/cifar-10-batches-bin].
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/atomic-write.js';
import { backend } from '../src/backend/index.js';
import { readCifar10 } from '../src/data/cifar.js';
import { channelStats } from '../src/data/images.js';
import { loadDataset } from '../src/data/load.js';
import { subsetSplit } from '../src/data/loader.js';
import { buildModel } from '../src/experiments/models.js';
import { benchLayer } from '../src/experiments/layer-bench.js';
import { batchFrom, measureLatency } from '../src/experiments/latency.js';
import { evaluateAccuracy, trainEpoch } from '../src/experiments/train.js';
import { Adam } from '../src/optim/adam.js';
import { Rng } from '../src/tensor/rng.js';
import {
  BASELINE_TASKS, baselineRows, cnnEpochMetrics, extrapolatedEpochSeconds, formatComparisonTable, machineInfo, runBaselines,
  setRowValue, type BaselineRun, type BaselineTask, type CnnEpochResult, type ComparisonRow,
} from './compare.js';
import { benchGemm } from './gemm.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mnistDir = process.env.MIDL_BENCH_MNIST ?? path.resolve(repoRoot, '..', 'shared', 'data', 'mnist');
const cifar10Dir = process.env.MIDL_BENCH_CIFAR10 ?? path.resolve(repoRoot, '..', 'shared', 'data', 'cifar-10', 'cifar-10-batches-bin');
const SEED = 1234;
const BATCH_SIZE = 128;

/** The native backend's matrix-product kernel, for the report ('n/a' on the reference backend). */
function gemmKernelName(): string {
  return (backend() as { gemmKernel?: string }).gemmKernel ?? 'n/a';
}

/** Whether the native addon tuned malloc ('midl') or left it alone ('system'; 'n/a' on the reference backend). */
function allocatorName(): string {
  return (backend() as { allocator?: string }).allocator ?? 'n/a';
}

interface MidlMetric {
  task: string;
  metric: string;
  /** undefined: no figure for this row (the note says why) */
  value: number | undefined;
  unit: string;
  lowerIsBetter: boolean;
  note?: string;
}

type MidlCnnEpoch = Omit<CnnEpochResult, 'task'> & { dataNotes: string[] };

/**
 * One epoch of the study's CNN on CIFAR-10 (batch 128, Adam 1e-3) with the study's own
 * trainEpoch, then test accuracy. With maxBatches, only the first maxBatches * 128
 * training images are trained on (one batch each) and the epoch is extrapolated.
 */
async function midlCnnEpoch(maxBatches: number | undefined): Promise<MidlCnnEpoch> {
  const loadStart = process.hrtime.bigint();
  const data = await loadDataset('cifar10', { dataDir: cifar10Dir, download: false });
  const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
  // The statistics loadDataset fitted, at full precision, to check the other sides against.
  const stats = channelStats(readCifar10(path.dirname(data.files[0])).train);
  const rng = new Rng(SEED);
  const model = buildModel('cifar10', data.inputShape, data.numClasses, { variant: 'dense', keep: 0.45, dropout: 0, rng });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const count = data.train.count;
  const batches = Math.ceil(count / BATCH_SIZE);
  const timedBatches = Math.min(batches, maxBatches ?? batches);
  const subset = Math.min(count, timedBatches * BATCH_SIZE);
  const train = subset < count ? subsetSplit(data.train, Int32Array.from({ length: subset }, (_, i) => i)) : data.train;
  const batchSeconds: number[] = [];
  const batchSizes: number[] = [];
  const t0 = process.hrtime.bigint();
  let last = t0;
  const { loss } = trainEpoch(model, opt, train, data.inputShape, {
    epoch: 0,
    batchSize: BATCH_SIZE,
    rng,
    onBatch: ({ examples }) => {
      const now = process.hrtime.bigint();
      batchSeconds.push(Number(now - last) / 1e9);
      batchSizes.push(examples);
      last = now;
    },
  });
  const timedSeconds = Number(last - t0) / 1e9;
  const epochSeconds = extrapolatedEpochSeconds(batchSeconds, batchSizes, count);
  return {
    epochSeconds,
    imagesPerSecond: count / epochSeconds,
    extrapolated: timedBatches < batches,
    batches,
    timedBatches,
    timedSeconds,
    firstBatchSeconds: batchSeconds[0],
    batchSize: BATCH_SIZE,
    trainExamples: count,
    meanTrainLoss: loss,
    testAccuracy: evaluateAccuracy(model, data.test, data.inputShape),
    testExamples: data.test.count,
    channelMean: stats.mean,
    channelStd: stats.std,
    layout: 'NCHW',
    loadSeconds,
    seed: SEED,
    dataNotes: data.notes,
  };
}

interface MidlSide {
  metrics: MidlMetric[];
  cnnEpoch?: MidlCnnEpoch;
}

async function midlSide(tasks: readonly BaselineTask[], cnnBatches: number | undefined, log: (s: string) => void): Promise<MidlSide> {
  const out: MidlMetric[] = [];
  const side: MidlSide = { metrics: out };
  if (tasks.includes('gemm')) {
    log('midl gemm');
    for (const g of await benchGemm()) {
    const metric = g.shape.join('x');
      out.push({ task: 'gemm', metric, value: g.midl_gflops, unit: 'GFLOP/s', lowerIsBetter: false });
      out.push({ task: 'gemm', metric: `${metric} OpenBLAS direct`, value: g.openblas_gflops, unit: 'GFLOP/s', lowerIsBetter: false });
    }
  }
  if (tasks.includes('mlp_epoch') || tasks.includes('mlp_infer')) {
    const data = await loadDataset('mnist', { dataDir: mnistDir });
    const rng = new Rng(SEED);
    const model = buildModel('mnist', data.inputShape, 10, { variant: 'dense', keep: 0.45, dropout: 0, rng });
    if (tasks.includes('mlp_epoch')) {
      log('midl mlp_epoch');
      const opt = new Adam(model.parameters(), { lr: 1e-3 });
      const t0 = process.hrtime.bigint();
      trainEpoch(model, opt, data.train, data.inputShape, { epoch: 0, batchSize: BATCH_SIZE, rng });
      const epochSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      out.push({ task: 'mlp_epoch', metric: 'epoch time', value: epochSeconds, unit: 's', lowerIsBetter: true });
      out.push({ task: 'mlp_epoch', metric: 'test accuracy', value: 100 * evaluateAccuracy(model, data.test, data.inputShape), unit: '%', lowerIsBetter: false });
    }
    if (tasks.includes('mlp_infer')) {
      log('midl mlp_infer');
      const midlModel = buildModel('mnist', data.inputShape, 10, { variant: 'midl', keep: 0.45, dropout: 0, rng });
      for (const batch of [1, 256]) {
        const input = batchFrom(data.test, data.inputShape, batch);
        const dense = measureLatency(model, input, { budgetMs: 1500, maxRuns: 5000 });
        out.push({ task: 'mlp_infer', metric: `batch ${batch} median`, value: 1000 * dense.median_ms, unit: 'us', lowerIsBetter: true });
        out.push({ task: 'mlp_infer', metric: `batch ${batch} p95`, value: 1000 * dense.p95_ms, unit: 'us', lowerIsBetter: true });
        const sparse = measureLatency(midlModel, input, { budgetMs: 1500, maxRuns: 5000 });
        out.push({ task: 'mlp_infer', metric: `MID-L MLP batch ${batch} median`, value: 1000 * sparse.median_ms, unit: 'us', lowerIsBetter: true });
      }
    }
  }
  if (tasks.includes('midl_layer')) {
    log('midl midl_layer');
    for (const r of benchLayer(784, 512, 0.45, [1, 8, 64, 256])) {
      out.push({ task: 'midl_layer', metric: `MID-L batch ${r.batch} median`, value: r.midl_sparse_ms, unit: 'ms', lowerIsBetter: true });
      out.push({ task: 'midl_layer', metric: `Linear batch ${r.batch} median`, value: r.dense_ms, unit: 'ms', lowerIsBetter: true });
      out.push({ task: 'midl_layer', metric: `MID-L masked batch ${r.batch} median`, value: r.midl_masked_ms, unit: 'ms', lowerIsBetter: true });
      out.push({ task: 'midl_layer', metric: `Linear k of n batch ${r.batch} median`, value: r.dense_k_ms, unit: 'ms', lowerIsBetter: true });
    }
    for (const r of benchLayer(2048, 512, 0.45, [1, 8, 64, 256])) {
      out.push({ task: 'midl_layer 2048', metric: `MID-L/Linear batch ${r.batch}`, value: r.time_ratio, unit: 'ratio', lowerIsBetter: true });
    }
  }
  if (tasks.includes('cnn_epoch')) {
    log(`midl cnn_epoch${cnnBatches !== undefined ? ` (${cnnBatches} batches)` : ''}`);
    side.cnnEpoch = await midlCnnEpoch(cnnBatches);
    for (const { note, ...m } of cnnEpochMetrics(side.cnnEpoch)) out.push({ task: 'cnn_epoch', ...m, note });
  }
  return side;
}

/** Merges midl's metrics into the baseline rows (same task and metric name share a row). */
function mergeRows(baselines: ComparisonRow[], midl: MidlMetric[]): ComparisonRow[] {
  const rows = baselines.map((r) => ({ ...r }));
  for (const m of midl) {
    let row = rows.find((r) => r.task === m.task && r.metric === m.metric);
    if (!row) {
      row = { task: m.task, metric: m.metric, unit: m.unit, lowerIsBetter: m.lowerIsBetter };
      rows.push(row);
    }
    setRowValue(row, 'midl', m.value, m.note);
  }
  return rows;
}

interface Args {
  tasks: readonly BaselineTask[];
  onlyMidl: boolean;
  cnnBatches?: number;
  jsonFile?: string;
}

const USAGE = `usage: node dist/bench/run.js [--tasks ${BASELINE_TASKS.join(',')}] [--only midl] [--cnn-batches N] [--json FILE]`;

/** The flags, or a one-line error message. */
function parseArgs(argv: string[]): Args | string {
  const args: Args = { tasks: BASELINE_TASKS, onlyMidl: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!['--tasks', '--only', '--cnn-batches', '--json'].includes(flag)) return `unknown argument '${flag}'`;
    if (value === undefined || value.startsWith('--')) return `${flag} needs a value`;
    i++;
    if (flag === '--tasks') {
      const tasks = value.split(',').map((t) => t.trim()).filter((t) => t !== '');
      const unknown = tasks.filter((t) => !(BASELINE_TASKS as readonly string[]).includes(t));
      if (unknown.length > 0 || tasks.length === 0) return `--tasks: unknown task '${unknown[0] ?? value}' (expected ${BASELINE_TASKS.join(', ')})`;
      args.tasks = BASELINE_TASKS.filter((t) => tasks.includes(t));
    } else if (flag === '--only') {
      if (value !== 'midl') return `--only: expected 'midl', got '${value}' (use --tasks to pick tasks)`;
      args.onlyMidl = true;
    } else if (flag === '--cnn-batches') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) return `--cnn-batches: expected a positive integer, got '${value}'`;
      args.cnnBatches = n;
    } else {
      args.jsonFile = value;
    }
  }
  return args;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`bench: ${args}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);
  const machine = await machineInfo();
  if (machine.loadAverage[0] > 0.5) log(`warning: load average ${machine.loadAverage[0].toFixed(2)}; timings of a busy machine are not comparable`);
  const midl = await midlSide(args.tasks, args.cnnBatches, log);
  const baselines: BaselineRun = args.onlyMidl
    ? { pytorch: {}, tfjs: {}, rows: [] }
    : await runBaselines(
      args.tasks,
      { dataDir: mnistDir, cifar10Dir, seed: SEED, threads: backend().getThreads(), maxBatches: args.cnnBatches },
      log,
    );
  const rows = mergeRows(args.onlyMidl ? baselineRows({}, {}) : baselines.rows, midl.metrics);
  process.stdout.write(`${formatComparisonTable(rows)}\n`);
  process.stdout.write(`\nmachine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; node ${machine.node}, ` +
    `torch ${machine.torch ?? 'n/a'}, tfjs ${machine.tfjs ?? 'n/a'}, ${machine.openblas ?? 'OpenBLAS ?'}; midl backend ${backend().name}, ` +
    `${backend().getThreads()} threads, GEMM ${gemmKernelName()}, malloc ${allocatorName()}; load average at start ${machine.loadAverage.map((x) => x.toFixed(2)).join(' ')}\n`);
  for (const [engine, results] of Object.entries({ pytorch: baselines.pytorch, tfjs: baselines.tfjs })) {
    for (const [task, result] of Object.entries(results)) {
      if ('unavailable' in result) process.stdout.write(`${engine} ${task}: unavailable: ${result.unavailable}\n`);
    }
  }
  if (args.jsonFile !== undefined) {
    const json = { machine, midlGemm: gemmKernelName(), midlMalloc: allocatorName(), midl: midl.metrics, midlCnnEpoch: midl.cnnEpoch, pytorch: baselines.pytorch, tfjs: baselines.tfjs, rows };
    writeFileAtomic(args.jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
