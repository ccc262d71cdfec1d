// Side-by-side baselines for `npm run bench`: runs the PyTorch and TF.js halves
// (bench/pytorch/bench.py, bench/tfjs/bench.ts) as subprocesses on the same
// shapes and data, and formats a table with midl's ratios against them.
//
// Run alone: node dist/bench/compare.js [task ...] [--json out.json]

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type BaselineTask,
  BASELINE_TASKS,
  type BaselineConfig,
  type Unavailable,
  type PytorchRuntime,
  type TfjsRuntime,
  isUnavailable,
} from './baseline-types.js';
import { runPytorch, runTfjs } from './baseline-processes.js';
import { machineInfo } from './machine.js';
import { type ComparisonRow, formatComparisonTable, type EngineResults, baselineRows } from './baseline-table.js';

export * from './baseline-types.js';
export * from './baseline-processes.js';
export * from './machine.js';
export * from './baseline-table.js';

export interface BaselineRun {
  pytorch: EngineResults<PytorchRuntime>;
  tfjs: EngineResults<TfjsRuntime>;
  rows: ComparisonRow[];
}

/**
 * Runs the tasks one engine at a time (never concurrently: they would share the
 * cores). A half that fails or times out is recorded as `{unavailable}` so the
 * rest of the run still reports.
 */
export async function runBaselines(
  tasks: readonly BaselineTask[] = BASELINE_TASKS,
  config: BaselineConfig = {},
  log: (message: string) => void = () => {},
): Promise<BaselineRun> {
  const pytorch: EngineResults<PytorchRuntime> = {};
  const tfjs: EngineResults<TfjsRuntime> = {};
  const asUnavailable = (err: Error): Unavailable => ({ unavailable: `failed: ${err.message}` });
  for (const task of tasks) {
    log(`pytorch ${task}`);
    pytorch[task] = await runPytorch(task, config).catch(asUnavailable);
    log(`tfjs ${task}`);
    tfjs[task] = await runTfjs(task, config).catch(asUnavailable);
  }
  return { pytorch, tfjs, rows: baselineRows(pytorch, tfjs) };
}

async function main(argv: string[]): Promise<void> {
  const jsonIndex = argv.indexOf('--json');
  const jsonPath = jsonIndex >= 0 ? argv[jsonIndex + 1] : undefined;
  const named = argv.filter((_, i) => i !== jsonIndex && i !== jsonIndex + 1);
  const unknown = named.filter((arg) => !(BASELINE_TASKS as readonly string[]).includes(arg));
  if (unknown.length > 0 || (jsonIndex >= 0 && jsonPath === undefined)) {
    console.error(`usage: compare.js [${BASELINE_TASKS.join('|')} ...] [--json out.json]`);
    process.exitCode = 2;
    return;
  }
  const machine = await machineInfo();
  console.log(JSON.stringify(machine, null, 2));
  if (machine.loadAverage[0] > 0.5) {
    // PyTorch's 2 OpenMP/OpenBLAS threads wait on each other at every op: one
    // busy core from another process can slow it several-fold, far more than TF.js.
    console.error(`warning: 1-minute load average ${machine.loadAverage[0]} before starting: other processes compete for the cores`);
  }
  const started = performance.now();
  const run = await runBaselines(
    named.length > 0 ? (named as BaselineTask[]) : BASELINE_TASKS,
    {},
    (message) => console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${message}`),
  );
  console.log(formatComparisonTable(run.rows));
  for (const [engine, results] of Object.entries({ pytorch: run.pytorch, tfjs: run.tfjs })) {
    for (const [task, result] of Object.entries(results)) {
      if (isUnavailable(result)) console.log(`${engine} ${task}: unavailable: ${result.unavailable}`);
    }
  }
  if (jsonPath !== undefined) writeFileSync(jsonPath, JSON.stringify({ machine, ...run }, null, 2));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}
