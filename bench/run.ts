/**
 * `npm run bench`: midl side by side with PyTorch (Debian's python3-torch) and
 * TensorFlow.js (wasm) in one run, on the same shapes and the same real data:
 * GEMM GFLOP/s (also against OpenBLAS called directly), one 60k-example MNIST epoch of
 * the 784-512-512-10 MLP, its inference latency at batch 1 and 256, and one MID-L layer
 * against the dense layer. Prints the table with ratios; `--json FILE` saves everything.
 *
 * Usage: node dist/bench/run.js [--only midl] [--json FILE]
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/atomic-write.js';
import { backend } from '../src/backend/index.js';
import { loadDataset } from '../src/data/load.js';
import { buildModel } from '../src/experiments/models.js';
import { benchLayer } from '../src/experiments/layer-bench.js';
import { batchFrom, measureLatency } from '../src/experiments/latency.js';
import { evaluateAccuracy, trainEpoch } from '../src/experiments/train.js';
import { Adam } from '../src/optim/adam.js';
import { Rng } from '../src/tensor/rng.js';
import { baselineRows, formatComparisonTable, machineInfo, runBaselines, type BaselineRun, type ComparisonRow } from './compare.js';
import { benchGemm } from './gemm.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mnistDir = process.env.MIDL_BENCH_MNIST ?? path.resolve(repoRoot, '..', 'shared', 'data', 'mnist');
const SEED = 1234;

interface MidlMetric {
  task: string;
  metric: string;
  value: number;
  unit: string;
  lowerIsBetter: boolean;
}

async function midlSide(log: (s: string) => void): Promise<MidlMetric[]> {
  const out: MidlMetric[] = [];
  log('midl gemm');
  for (const g of await benchGemm()) {
    const metric = g.shape.join('x');
    out.push({ task: 'gemm', metric, value: g.midl_gflops, unit: 'GFLOP/s', lowerIsBetter: false });
    out.push({ task: 'gemm', metric: `${metric} OpenBLAS direct`, value: g.openblas_gflops, unit: 'GFLOP/s', lowerIsBetter: false });
  }
  log('midl mlp_epoch');
  const data = await loadDataset('mnist', { dataDir: mnistDir });
  const rng = new Rng(SEED);
  const model = buildModel('mnist', data.inputShape, 10, { variant: 'dense', keep: 0.45, dropout: 0, rng });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const t0 = process.hrtime.bigint();
  trainEpoch(model, opt, data.train, data.inputShape, { epoch: 0, batchSize: 128, rng });
  const epochSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  out.push({ task: 'mlp_epoch', metric: 'epoch time', value: epochSeconds, unit: 's', lowerIsBetter: true });
  out.push({ task: 'mlp_epoch', metric: 'test accuracy', value: 100 * evaluateAccuracy(model, data.test, data.inputShape), unit: '%', lowerIsBetter: false });
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
  log('midl midl_layer');
  for (const r of benchLayer(784, 512, 0.45, [1, 8, 64, 256])) {
    out.push({ task: 'midl_layer', metric: `MID-L batch ${r.batch} median`, value: r.midl_sparse_ms, unit: 'ms', lowerIsBetter: true });
    out.push({ task: 'midl_layer', metric: `Linear batch ${r.batch} median`, value: r.dense_ms, unit: 'ms', lowerIsBetter: true });
    out.push({ task: 'midl_layer', metric: `MID-L masked batch ${r.batch} median`, value: r.midl_masked_ms, unit: 'ms', lowerIsBetter: true });
  }
  for (const r of benchLayer(2048, 512, 0.45, [1, 8, 64, 256])) {
    out.push({ task: 'midl_layer 2048', metric: `MID-L/Linear batch ${r.batch}`, value: r.time_ratio, unit: 'ratio', lowerIsBetter: true });
  }
  return out;
}

/** Merges midl's metrics into the baseline rows (same task and metric name share a row). */
function mergeRows(baselines: ComparisonRow[], midl: MidlMetric[]): ComparisonRow[] {
  const rows = baselines.map((r) => ({ ...r }));
  for (const m of midl) {
    const row = rows.find((r) => r.task === m.task && r.metric === m.metric);
    if (row) row.midl = m.value;
    else rows.push({ task: m.task, metric: m.metric, unit: m.unit, lowerIsBetter: m.lowerIsBetter, midl: m.value });
  }
  return rows;
}

async function main(argv: string[]): Promise<void> {
  const jsonAt = argv.indexOf('--json');
  const jsonFile = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;
  const onlyMidl = argv.includes('--only') && argv[argv.indexOf('--only') + 1] === 'midl';
  const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);
  const machine = await machineInfo();
  if (machine.loadAverage[0] > 0.5) log(`warning: load average ${machine.loadAverage[0].toFixed(2)}; timings of a busy machine are not comparable`);
  const midl = await midlSide(log);
  const baselines: BaselineRun = onlyMidl
    ? { pytorch: {}, tfjs: {}, rows: [] }
    : await runBaselines(undefined, { dataDir: mnistDir, seed: SEED, threads: backend().getThreads() }, log);
  const rows = mergeRows(onlyMidl ? baselineRows({}, {}) : baselines.rows, midl);
  process.stdout.write(`${formatComparisonTable(rows)}\n`);
  process.stdout.write(`\nmachine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; node ${machine.node}, ` +
    `torch ${machine.torch ?? 'n/a'}, tfjs ${machine.tfjs ?? 'n/a'}, ${machine.openblas ?? 'OpenBLAS ?'}; midl backend ${backend().name}, ` +
    `${backend().getThreads()} threads; load average at start ${machine.loadAverage.map((x) => x.toFixed(2)).join(' ')}\n`);
  if (jsonFile !== undefined) {
    writeFileAtomic(jsonFile, `${JSON.stringify({ machine, midl, pytorch: baselines.pytorch, tfjs: baselines.tfjs, rows }, null, 2)}\n`);
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
