// The comparison table: one row per figure, midl's column beside PyTorch's and TF.js's,
// with the ratios and each engine's notes.

import {
  type BaselineTask,
  BASELINE_TASKS,
  type Unavailable,
  type PytorchRuntime,
  type TfjsRuntime,
  type CnnEpochResult,
  type BaselineResults,
  isUnavailable,
} from './baseline-types.js';

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
