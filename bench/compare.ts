// Side-by-side baselines for `npm run bench`: runs the PyTorch and TF.js halves
// (bench/pytorch/bench.py, bench/tfjs/bench.ts) as subprocesses on the same
// shapes and data, and formats a table with midl's ratios against them.
//
// Run alone: node dist/bench/compare.js [task ...] [--json out.json]

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

// ------------------------------------------------------------------ result shapes
// Both halves print these (plus `runtime`), so one table can read either.

export type BaselineTask = 'gemm' | 'mlp_epoch' | 'mlp_infer' | 'midl_layer' | 'cnn_epoch';
export const BASELINE_TASKS: readonly BaselineTask[] = ['gemm', 'mlp_epoch', 'mlp_infer', 'midl_layer', 'cnn_epoch'];

/** Config passed to either half; every field is optional (defaults in brackets). */
export interface BaselineConfig {
  /** PyTorch intra-op and OpenBLAS threads [2]; TF.js in Node is single-threaded regardless */
  threads?: number;
  /** directory of the four MNIST .gz IDX files [/work/shared/data/mnist] */
  dataDir?: string;
  /** cnn_epoch: directory of CIFAR-10's binary batches: every data_batch_N.bin there, and test_batch.bin
   *  [/work/shared/data/cifar-10/cifar-10-batches-bin] */
  cifar10Dir?: string;
  /** init / shuffle seed [1234] */
  seed?: number;
  /** gemm: [M, N, K] list [[256,1024,784],[128,512,784]] */
  shapes?: [number, number, number][];
  /** gemm: timed repetitions per shape [PyTorch 200, TF.js 50] */
  reps?: number;
  /** mlp_epoch, cnn_epoch: [128] */
  batchSize?: number;
  /** mlp_epoch, cnn_epoch: Adam learning rate [1e-3] */
  lr?: number;
  /** cnn_epoch: train only this many batches and extrapolate the epoch time [the whole epoch] */
  maxBatches?: number;
  /**
   * cnn_epoch, TF.js only: after `probeBatches` batches [10], stop and extrapolate when the
   * projected epoch is longer than this [180 s]; 0 always trains the whole epoch.
   */
  budgetSeconds?: number;
  probeBatches?: number;
  /** mlp_infer / midl_layer: batch size -> timed runs */
  runs?: Record<string, number>;
  /** midl_layer: d [784], n [512], rho [0.45], r [docs/method.md section 2 default, 27 here] */
  inFeatures?: number;
  outFeatures?: number;
  keep?: number;
  rank?: number;
}

export interface Unavailable {
  unavailable: string;
}

export interface PytorchRuntime {
  engine: 'pytorch';
  torchVersion: string;
  numpyVersion: string;
  python: string;
  threads: number;
  /** ATen's vector ISA for its own kernels */
  cpuCapability: string | null;
  /** the BLAS torch's float32 GEMM runs on */
  openblas: { config: string; corename: string; threads: number } | Unavailable;
  loadAverage: number[];
}

export interface TfjsRuntime {
  engine: 'tfjs';
  tfjsVersion: string;
  wasmVersion: string;
  backend: string;
  wasmBinary: 'plain' | 'simd' | 'threaded-simd';
  threads: number;
  node: string;
  loadAverage: number[];
}

export interface GemmResult {
  task: 'gemm';
  results: { m: number; n: number; k: number; reps: number; medianMs: number; gflops: number }[];
}

export interface MlpEpochResult {
  task: 'mlp_epoch';
  /** wall time of one training epoch, data loading excluded */
  epochSeconds: number;
  batches: number;
  batchSize: number;
  trainExamples: number;
  meanTrainLoss: number;
  /** on the 10,000 test images after the epoch: a sanity check, not a result */
  testAccuracy: number;
  loadSeconds: number;
  seed: number;
}

/**
 * One training epoch of the study's small CNN (`buildModel('cifar10', ...)`, dense head) on
 * CIFAR-10 (pixels / 255, then per-channel mean / std of the training set), batch 128, Adam,
 * then accuracy on the test images. When only `timedBatches` of `batches` ran, the epoch
 * time is extrapolated: the first batch's time (it carries the warm-up) plus the time per
 * image of the others times the remaining images.
 */
export interface CnnEpochResult {
  task: 'cnn_epoch';
  /** wall time of one training epoch, data loading excluded (extrapolated when `extrapolated`) */
  epochSeconds: number;
  imagesPerSecond: number;
  extrapolated: boolean;
  /** the batches of a full epoch, and how many of them were trained and timed */
  batches: number;
  timedBatches: number;
  /** wall time of the batches actually trained */
  timedSeconds: number;
  firstBatchSeconds: number;
  batchSize: number;
  trainExamples: number;
  meanTrainLoss: number;
  /** on the test images after training (after `timedBatches` only, when extrapolated) */
  testAccuracy: number;
  testExamples: number;
  /** the fitted preprocessing statistics, to check all sides normalize alike */
  channelMean: number[];
  channelStd: number[];
  layout: 'NCHW' | 'NHWC';
  loadSeconds: number;
  seed: number;
}

export interface MlpInferResult {
  task: 'mlp_infer';
  results: { batch: number; runs: number; medianUs: number; p95Us: number }[];
}

export interface MidlLayerResult {
  task: 'midl_layer';
  inFeatures: number;
  outFeatures: number;
  keep: number;
  k: number;
  rank: number;
  variant: 'dense-then-mask';
  results: {
    batch: number;
    runs: number;
    midlMedianMs: number;
    midlP95Ms: number;
    linearMedianMs: number;
    linearP95Ms: number;
  }[];
}

export interface BaselineResults {
  info: { task: 'info' };
  gemm: GemmResult;
  mlp_epoch: MlpEpochResult;
  mlp_infer: MlpInferResult;
  midl_layer: MidlLayerResult;
  cnn_epoch: CnnEpochResult;
}

export type PytorchResult<T extends keyof BaselineResults> = BaselineResults[T] & { runtime: PytorchRuntime };
export type TfjsResult<T extends keyof BaselineResults> = BaselineResults[T] & { runtime: TfjsRuntime };

export function isUnavailable(value: object): value is Unavailable {
  return 'unavailable' in value;
}

// ------------------------------------------------------------------ subprocesses

const PYTORCH_SCRIPT = fileURLToPath(new URL('../../bench/pytorch/bench.py', import.meta.url));
const TFJS_SCRIPT = fileURLToPath(new URL('./tfjs/bench.js', import.meta.url));

/** Generous: the machine may be shared, and the TF.js epoch alone takes about a minute. */
const DEFAULT_TIMEOUT_MS: Record<keyof BaselineResults, number> = {
  info: 60_000,
  gemm: 120_000,
  mlp_epoch: 600_000,
  mlp_infer: 300_000,
  midl_layer: 300_000,
  // TF.js stops after 10 batches when its epoch would take over 3 minutes, but the machine may be busy.
  cnn_epoch: 1_200_000,
};

export interface RunOptions {
  timeoutMs?: number;
}

/** Spawns `command args`, returns the JSON object printed on the last stdout line. */
function runJsonProcess(command: string, args: string[], timeoutMs: number): Promise<object> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const where = `${command} ${args[0]}`;
      const stderrTail = stderr.trim().split('\n').slice(-15).join('\n');
      if (signal === 'SIGKILL') {
        reject(new Error(`${where}: killed after the ${timeoutMs / 1000} s timeout\n${stderrTail}`));
        return;
      }
      if (code !== 0) {
        reject(new Error(`${where}: exit ${code ?? signal}\n${stderrTail}`));
        return;
      }
      const lastLine = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(lastLine) as object);
      } catch {
        reject(new Error(`${where}: no JSON on the last stdout line: ${lastLine.slice(0, 200)}\n${stderrTail}`));
      }
    });
  });
}

let pythonChoice: Promise<string | Unavailable> | undefined;

/**
 * The first interpreter that can import torch: $MIDL_PYTHON if set, else
 * python3 on PATH, else /usr/bin/python3 (Debian's python3-torch is only
 * visible to the system interpreter, which a pyenv shim on PATH hides).
 */
function findPython(): Promise<string | Unavailable> {
  pythonChoice ??= (async () => {
    const candidates = process.env.MIDL_PYTHON ? [process.env.MIDL_PYTHON] : ['python3', '/usr/bin/python3'];
    const failures: string[] = [];
    for (const python of candidates) {
      try {
        execFileSync(python, ['-c', 'import torch, numpy'], { stdio: 'pipe', timeout: 60_000 });
        return python;
      } catch (err) {
        const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop();
        failures.push(`${python}: ${stderr || (err as Error).message}`);
      }
    }
    return { unavailable: `no python3 that can import torch and numpy (${failures.join('; ')})` };
  })();
  return pythonChoice;
}

/**
 * Runs one task of bench/pytorch/bench.py. Resolves to `{unavailable}` when no
 * interpreter with torch exists; rejects if the script fails or times out.
 */
export async function runPytorch<T extends keyof BaselineResults>(
  task: T,
  config: BaselineConfig = {},
  options: RunOptions = {},
): Promise<PytorchResult<T> | Unavailable> {
  const python = await findPython();
  if (typeof python !== 'string') return python;
  if (!existsSync(PYTORCH_SCRIPT)) return { unavailable: `${PYTORCH_SCRIPT} is missing` };
  const args = [PYTORCH_SCRIPT, JSON.stringify({ ...config, task })];
  return (await runJsonProcess(python, args, options.timeoutMs ?? DEFAULT_TIMEOUT_MS[task])) as
    | PytorchResult<T>
    | Unavailable;
}

/**
 * Runs one task of dist/bench/tfjs/bench.js in a fresh Node process. Resolves to
 * `{unavailable}` when the TF.js packages cannot load; rejects on failure or timeout.
 */
export async function runTfjs<T extends keyof BaselineResults>(
  task: T,
  config: BaselineConfig = {},
  options: RunOptions = {},
): Promise<TfjsResult<T> | Unavailable> {
  if (!existsSync(TFJS_SCRIPT)) return { unavailable: `${TFJS_SCRIPT} is missing (run tsc first)` };
  const args = [TFJS_SCRIPT, JSON.stringify({ ...config, task })];
  return (await runJsonProcess(process.execPath, args, options.timeoutMs ?? DEFAULT_TIMEOUT_MS[task])) as
    | TfjsResult<T>
    | Unavailable;
}

// ------------------------------------------------------------------ machine

export interface MachineInfo {
  cpuModel: string;
  /** the SIMD extensions that matter for float32 kernels, from /proc/cpuinfo */
  cpuFlags: string[];
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  torch: string | null;
  torchThreads: number | null;
  python: string | null;
  tfjs: string | null;
  /** OpenBLAS's own build string (version, target core), else the Debian package version */
  openblas: string | null;
  loadAverage: number[];
}

function cpuFlags(): string[] {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    const flags = new Set(line?.split(':')[1].trim().split(/\s+/) ?? []);
    return ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx512_vnni'].filter((f) => flags.has(f));
  } catch {
    return [];
  }
}

function packageVersion(name: string): string | null {
  try {
    const path = createRequire(import.meta.url).resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

function debianPackageVersion(name: string): string | null {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', name], { stdio: 'pipe' }).toString().trim() || null;
  } catch {
    return null;
  }
}

export async function machineInfo(): Promise<MachineInfo> {
  const cpus = os.cpus();
  const info = await runPytorch('info').catch((err: Error): Unavailable => ({ unavailable: err.message }));
  const torch = isUnavailable(info) ? null : info.runtime;
  const debianOpenblas = debianPackageVersion('libopenblas0');
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuFlags: cpuFlags(),
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    torch: torch?.torchVersion ?? null,
    torchThreads: torch?.threads ?? null,
    python: torch?.python ?? null,
    tfjs: packageVersion('@tensorflow/tfjs-core'),
    openblas:
      torch && !isUnavailable(torch.openblas)
        ? torch.openblas.config
        : debianOpenblas && `Debian libopenblas0 ${debianOpenblas}`,
    loadAverage: os.loadavg(),
  };
}

// ------------------------------------------------------------------ table

export interface ComparisonRow {
  task: string;
  metric: string;
  midl?: number;
  pytorch?: number;
  tfjs?: number;
  unit: string;
  lowerIsBetter: boolean;
  /** caveats on an engine's figure (an extrapolated time, an accuracy left out), printed in a last column */
  notes?: Partial<Record<Engine, string>>;
}

type Engine = 'midl' | 'pytorch' | 'tfjs';
const ENGINES: readonly Engine[] = ['midl', 'pytorch', 'tfjs'];

/** A row's notes, engines with the same note named together: "midl, tfjs: extrapolated from ..." */
function formatNotes(notes: ComparisonRow['notes']): string {
  const byText = new Map<string, Engine[]>();
  for (const engine of ENGINES) {
    const text = notes?.[engine];
    if (text !== undefined) byText.set(text, [...(byText.get(text) ?? []), engine]);
  }
  return [...byText].map(([text, engines]) => `${engines.join(', ')}: ${text}`).join('; ');
}

function formatValue(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return value.toFixed(0);
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function formatRatio(numerator: number | undefined, denominator: number | undefined): string {
  if (numerator === undefined || denominator === undefined || denominator === 0) return '-';
  return `${(numerator / denominator).toFixed(2)}x`;
}

/**
 * A fixed-width text table, one line per row, with the raw ratios midl/pytorch
 * and midl/tfjs; the last column says which direction is better for the metric.
 */
export function formatComparisonTable(rows: ComparisonRow[]): string {
  const withNotes = rows.some((row) => formatNotes(row.notes) !== '');
  const header = ['task', 'metric', 'unit', 'midl', 'pytorch', 'tfjs', 'midl/pytorch', 'midl/tfjs', 'better', ...(withNotes ? ['notes'] : [])];
  const cells = rows.map((row) => [
    row.task,
    row.metric,
    row.unit,
    formatValue(row.midl),
    formatValue(row.pytorch),
    formatValue(row.tfjs),
    formatRatio(row.midl, row.pytorch),
    formatRatio(row.midl, row.tfjs),
    row.lowerIsBetter ? 'lower' : 'higher',
    ...(withNotes ? [formatNotes(row.notes)] : []),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i].length)));
  // Text columns left-aligned, numbers right-aligned; the notes column is not padded.
  const render = (line: string[]) =>
    line
      .map((cell, i) => (i === 9 ? cell : i < 3 || i === 8 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w, i) => '-'.repeat(i === 9 ? header[i].length : w)).join('  ');
  return [render(header), rule, ...cells.map(render)].join('\n');
}

// ------------------------------------------------------------------ baseline rows

export type EngineResults<Runtime> = Partial<
  Record<BaselineTask, (BaselineResults[BaselineTask] & { runtime: Runtime }) | Unavailable>
>;

/** One figure of one engine; `value` undefined leaves the cell empty (the `note` says why). */
type Metric = Omit<ComparisonRow, 'task' | 'midl' | 'pytorch' | 'tfjs' | 'notes'> & { value: number | undefined; note?: string };

/**
 * The metrics of one task result. Metric names (what midl's own numbers must
 * use to land in the same row): gemm "MxNxK"; mlp_epoch "epoch time",
 * "test accuracy"; mlp_infer "batch B median", "batch B p95";
 * midl_layer "MID-L batch B median", "Linear batch B median"; cnn_epoch "epoch time",
 * "images/s", "test accuracy" (see cnnEpochMetrics).
 */
export function taskMetrics(result: BaselineResults[BaselineTask]): Metric[] {
  switch (result.task) {
    case 'gemm':
      return result.results.map((r) => ({
        metric: `${r.m}x${r.n}x${r.k}`,
        unit: 'GFLOP/s',
        lowerIsBetter: false,
        value: r.gflops,
      }));
    case 'mlp_epoch':
      return [
        { metric: 'epoch time', unit: 's', lowerIsBetter: true, value: result.epochSeconds },
        { metric: 'test accuracy', unit: '%', lowerIsBetter: false, value: result.testAccuracy * 100 },
      ];
    case 'mlp_infer':
      return result.results.flatMap((r) => [
        { metric: `batch ${r.batch} median`, unit: 'us', lowerIsBetter: true, value: r.medianUs },
        { metric: `batch ${r.batch} p95`, unit: 'us', lowerIsBetter: true, value: r.p95Us },
      ]);
    case 'midl_layer':
      return result.results.flatMap((r) => [
        { metric: `MID-L batch ${r.batch} median`, unit: 'ms', lowerIsBetter: true, value: r.midlMedianMs },
        { metric: `Linear batch ${r.batch} median`, unit: 'ms', lowerIsBetter: true, value: r.linearMedianMs },
      ]);
    case 'cnn_epoch':
      return cnnEpochMetrics(result);
  }
}

/** The part of a CNN epoch result the rows and notes need (midl's side builds one too). */
export type CnnEpochFigures = Pick<
  CnnEpochResult,
  'epochSeconds' | 'imagesPerSecond' | 'extrapolated' | 'batches' | 'timedBatches' | 'testAccuracy'
>;

/**
 * The rows of a CNN epoch. An extrapolated epoch keeps its time and images/s, with a note
 * saying from how many batches; its test accuracy (after those batches only) is not
 * comparable with a full epoch's, so it goes into the note instead of the column.
 */
export function cnnEpochMetrics(r: CnnEpochFigures): Metric[] {
  const partial = r.extrapolated ? `extrapolated from ${r.timedBatches} of ${r.batches} batches` : undefined;
  const accuracy = (100 * r.testAccuracy).toFixed(2);
  return [
    { metric: 'epoch time', unit: 's', lowerIsBetter: true, value: r.epochSeconds, note: partial },
    { metric: 'images/s', unit: 'img/s', lowerIsBetter: false, value: r.imagesPerSecond, note: partial },
    {
      metric: 'test accuracy',
      unit: '%',
      lowerIsBetter: false,
      value: r.extrapolated ? undefined : 100 * r.testAccuracy,
      note: r.extrapolated ? `${accuracy}% after ${r.timedBatches} batches only, left out` : undefined,
    },
  ];
}

/**
 * The epoch time from per-batch wall times: the first batch's time (it carries the warm-up)
 * plus the others' time per image times the images not yet trained. When every batch ran
 * this is exactly their sum. bench.py has the same function.
 */
export function extrapolatedEpochSeconds(batchSeconds: number[], batchSizes: number[], examples: number): number {
  const [first] = batchSeconds;
  if (batchSeconds.length === 1) return (first * examples) / batchSizes[0];
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  const perImage = sum(batchSeconds.slice(1)) / sum(batchSizes.slice(1));
  return first + perImage * (examples - batchSizes[0]);
}

/** Adds one engine's figure (and its note) to a row. */
export function setRowValue(row: ComparisonRow, engine: Engine, value: number | undefined, note?: string): void {
  if (value !== undefined) row[engine] = value;
  if (note !== undefined) row.notes = { ...row.notes, [engine]: note };
}

/** Rows with the pytorch and tfjs columns filled; the caller sets `midl` by task + metric. */
export function baselineRows(
  pytorch: EngineResults<PytorchRuntime>,
  tfjs: EngineResults<TfjsRuntime>,
): ComparisonRow[] {
  const rows = new Map<string, ComparisonRow>();
  for (const [engine, results] of [
    ['pytorch', pytorch],
    ['tfjs', tfjs],
  ] as const) {
    for (const task of BASELINE_TASKS) {
      const result = results[task];
      if (result === undefined || isUnavailable(result)) continue;
      for (const { value, note, ...metric } of taskMetrics(result)) {
        const key = `${task}\u0000${metric.metric}`;
        const row = rows.get(key) ?? { task, ...metric };
        setRowValue(row, engine, value, note);
        rows.set(key, row);
      }
    }
  }
  return [...rows.values()];
}

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
