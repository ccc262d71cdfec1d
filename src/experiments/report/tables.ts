/** The report's tables as display strings, shared by the text, Markdown and HTML renderers. */
import type { ModelKind, StudyResults } from '../results.js';
import { groupBy, mean, sampleStd } from './stats.js';
import { byStudyOrder, MIN_TEST_EXAMPLES, type RunSummary } from './summary.js';
import { activityTable, frontierTable } from './activity-frontier.js';
import { formatAccuracy, formatBytes, formatCount, formatMs, formatSeconds, pct } from './format.js';
import type { Table } from './table.js';

export type { Table };

/** What the results table's units mean; printed under it in every format. */
export const TABLE_NOTE =
  'Test accuracy: mean ± sample std over seeds, in %. Active neurons: share of hidden neurons whose full path is ' +
  'computed, averaged over test examples. FLOPs = 2 x MACs per example at inference; Saving = dense FLOPs / model FLOPs. ' +
  "Latency: median ms per batch from the latency analysis, which times all of a dataset's models side by side in one " +
  "process after training ('-': not timed). Param. memory: the model's stored parameters; Activations: the most bytes " +
  'live at once in one forward, per example (the process peak RSS is under the latency table). ' +
  `Train time: wall-clock seconds per run, mean over seeds. An accuracy on fewer than ${MIN_TEST_EXAMPLES} test examples ` +
  'is marked "too few test ex." and counts in no verdict.';

/** The batch sizes shown in the results table: 1 and the largest timed batch. */
function shownBatches(summaries: readonly RunSummary[]): number[] {
  const timed = summaries.flatMap((s) => [...s.latency_ms.keys()]);
  const largest = timed.length === 0 ? 256 : Math.max(...timed);
  return largest === 1 ? [1] : [1, largest];
}

function accuracyCell(s: RunSummary): string {
  return s.too_few_test_examples ? `${formatAccuracy(s)} (too few test ex.)` : formatAccuracy(s);
}

/** The paper-style table: one row per dataset and model. */
export function resultsTable(summaries: readonly RunSummary[]): Table {
  const batches = shownBatches(summaries);
  const latency = (s: RunSummary, b: number): string => {
    const ms = s.latency_ms.get(b);
    return ms === undefined ? '-' : formatMs(ms);
  };
  const bytes = (v: number | null): string => (v === null ? '-' : formatBytes(v));
  return {
    title: 'Results',
    header: [
      'Dataset', 'Model', 'Test acc. (%)', 'Active neurons', 'FLOPs/example', 'Saving', 'Params',
      ...batches.map((b) => `Latency b=${b} (ms)`), 'Param. memory', 'Activations / ex.',
      'Train time', 'Train / test ex.', 'Epochs', 'Seeds',
    ],
    rows: summaries.map((s) => [
      s.dataset,
      s.model,
      accuracyCell(s),
      pct(s.active_ratio),
      formatCount(s.flops_per_example),
      `${s.flops_saving.toFixed(2)}x`,
      formatCount(s.params),
      ...batches.map((b) => latency(s, b)),
      bytes(s.param_bytes),
      bytes(s.activation_bytes_per_example),
      formatSeconds(s.train_seconds),
      `${s.train_examples.toLocaleString('en-US')} / ${s.test_examples.toLocaleString('en-US')}`,
      s.finetune_epochs > 0 ? `${s.epochs} + ${s.finetune_epochs} fine-tuning` : String(s.epochs),
      String(s.seeds.length),
    ]),
    numericFrom: 2,
  };
}

/** Mean ± sample std in percent of fractions measured over seeds. */
function accuracyOverSeeds(values: readonly number[]): string {
  const std = sampleStd(values);
  const m = (mean(values) * 100).toFixed(2);
  return std === null ? m : `${m} ± ${(std * 100).toFixed(2)}`;
}

/** Groups seeded records by (dataset, model, key), in study order, then by `then` within a model. */
function seedGroups<T extends { dataset: string; model: ModelKind }>(
  results: StudyResults,
  records: readonly T[],
  key: (r: T) => string,
  then: (a: T, b: T) => number = () => 0,
): T[][] {
  const order = byStudyOrder(results);
  const groups = groupBy(records, (r) => `${r.dataset}\u0000${r.model}\u0000${key(r)}`);
  return [...groups.values()].sort((a, b) => order(a[0], b[0]) || then(a[0], b[0]));
}

function perLayerTable(results: StudyResults): Table | null {
  const layers = results.runs.flatMap((run) =>
    (run.per_layer_active ?? []).map((l) => ({ ...l, dataset: run.dataset, model: run.model })),
  );
  if (layers.length === 0) return null;
  return {
    title: 'Active neurons per layer',
    header: ['Dataset', 'Model', 'Layer', 'Active (mean)', 'Min', 'Max', 'Seeds'],
    rows: seedGroups(results, layers, (l) => l.layer).map((g) => [
      g[0].dataset, g[0].model, g[0].layer,
      pct(mean(g.map((l) => l.active_ratio))),
      pct(Math.min(...g.map((l) => l.min))),
      pct(Math.max(...g.map((l) => l.max))),
      String(g.length),
    ]),
    numericFrom: 3,
  };
}

function smiTable(results: StudyResults): Table | null {
  const records = results.analyses?.smi;
  if (!records || records.length === 0) return null;
  const order = byStudyOrder(results);
  return {
    title: 'Sliced mutual information',
    header: ['Dataset', 'Model', 'Layer', 'SMI (nats)', 'Std. error', 'Directions', 'Examples', 'I(h;Y) most / least selected'],
    rows: [...records].sort(order).map((r) => [
      r.dataset, r.model, r.layer, r.smi.toFixed(3), r.stderr.toFixed(3), String(r.directions), r.examples.toLocaleString('en-US'),
      r.per_neuron ? `${mean(r.per_neuron.selected_most).toFixed(3)} / ${mean(r.per_neuron.selected_least).toFixed(3)}` : '-',
    ]),
    numericFrom: 3,
  };
}

function labelNoiseTable(results: StudyResults): Table | null {
  const records = results.analyses?.robustness?.label_noise ?? [];
  if (records.length === 0) return null;
  return {
    title: 'Robustness: label noise',
    header: ['Dataset', 'Model', 'Labels flipped', 'Clean test acc. (%)', 'Seeds'],
    rows: seedGroups(results, records, (r) => String(r.noise), (a, b) => a.noise - b.noise).map((g) => [
      g[0].dataset, g[0].model, pct(g[0].noise, 0), accuracyOverSeeds(g.map((r) => r.test_accuracy)), String(g.length),
    ]),
    numericFrom: 2,
  };
}

function inputNoiseTable(results: StudyResults): Table | null {
  const records = results.analyses?.robustness?.input_noise ?? [];
  if (records.length === 0) return null;
  return {
    title: 'Robustness: input noise',
    header: ['Dataset', 'Model', 'Noise sigma', 'Test acc. (%)', 'Seeds'],
    rows: seedGroups(results, records, (r) => String(r.sigma), (a, b) => a.sigma - b.sigma).map((g) => [
      g[0].dataset, g[0].model, String(g[0].sigma), accuracyOverSeeds(g.map((r) => r.test_accuracy)), String(g.length),
    ]),
    numericFrom: 2,
  };
}

function overfittingTable(results: StudyResults): Table | null {
  const records = results.analyses?.robustness?.overfitting ?? [];
  if (records.length === 0) return null;
  return {
    title: 'Robustness: overfitting',
    header: ['Dataset', 'Model', 'Subset', 'Epochs', 'Train acc. (%)', 'Best test (%)', 'Final test (%)', 'Gap (pt)', 'Seeds'],
    rows: seedGroups(results, records, (r) => String(r.subset), (a, b) => a.subset - b.subset).map((g) => [
      g[0].dataset, g[0].model, pct(g[0].subset, 0), String(g[0].epochs),
      accuracyOverSeeds(g.map((r) => r.train_accuracy)),
      accuracyOverSeeds(g.map((r) => r.best_test_accuracy)),
      accuracyOverSeeds(g.map((r) => r.final_test_accuracy)),
      (mean(g.map((r) => r.gap)) * 100).toFixed(1),
      String(g.length),
    ]),
    numericFrom: 2,
  };
}

function latencyTable(results: StudyResults): Table | null {
  const records = results.analyses?.latency;
  if (!records || records.length === 0) return null;
  const order = byStudyOrder(results);
  const peaks = [...groupBy(records, (r) => r.dataset)].map(([dataset, rs]) => `${dataset} ${formatBytes(Math.max(...rs.map((r) => r.peak_rss_bytes)))}`);
  return {
    title: 'Inference latency and memory',
    header: ['Dataset', 'Model', 'Batch', 'Median (ms)', 'p95 (ms)', 'Parameters', 'Activations / example'],
    rows: [...records].sort((a, b) => order(a, b) || a.batch - b.batch).map((r) => [
      r.dataset, r.model, String(r.batch), formatMs(r.median_ms), formatMs(r.p95_ms),
      formatBytes(r.param_bytes), formatBytes(r.activation_bytes_per_example),
    ]),
    numericFrom: 2,
    note: `Peak RSS of the process (all of a dataset's models together, so not a model's own memory): ${peaks.join(', ')}.`,
  };
}

/** The tables of the analyses present in the results, keyed by the analysis they show. */
export function analysisTables(results: StudyResults): { id: string; table: Table }[] {
  const tables: [string, Table | null][] = [
    ['per-layer', perLayerTable(results)],
    ['smi', smiTable(results)],
    ['label-noise', labelNoiseTable(results)],
    ['input-noise', inputNoiseTable(results)],
    ['overfitting', overfittingTable(results)],
    ['latency', latencyTable(results)],
    ['activity', activityTable(results)],
    ['frontier', frontierTable(results)],
  ];
  return tables.flatMap(([id, table]) => (table ? [{ id, table }] : []));
}
