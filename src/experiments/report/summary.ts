/** Per (dataset, model) summaries of the study's runs, averaged over seeds. */
import { MODEL_KINDS, type LatencyRecord, type ModelKind, type RunRecord, type StudyResults } from '../results.js';
import { groupBy, mean, sampleStd } from './stats.js';

export interface RunSummary {
  dataset: string;
  model: ModelKind;
  seeds: number[];
  /** Test accuracy (fraction) over seeds; std is the sample std, null with one seed. */
  accuracy: { mean: number; std: number | null; values: number[] };
  active_ratio: number;
  flops_per_example: number;
  dense_flops_per_example: number;
  /** dense_flops_per_example / flops_per_example: 1 for a dense model, above 1 when work is skipped. */
  flops_saving: number;
  params: number;
  /**
   * Median ms per batch from the side-by-side latency analysis (all of a dataset's models
   * timed in one process, after training), by batch size; empty when the model was not timed.
   */
  latency_ms: Map<number, number>;
  /** The model's own memory from the latency analysis (null when not measured). */
  param_bytes: number | null;
  activation_bytes_per_example: number | null;
  train_seconds: number;
  /** Data sizes and epochs as run (the same for every seed of a group). */
  train_examples: number;
  test_examples: number;
  epochs: number;
  finetune_epochs: number;
  /** Too few test examples for the accuracy to mean anything (MIN_TEST_EXAMPLES). */
  too_few_test_examples: boolean;
}

/**
 * Below this many test examples an accuracy is not reported as a result: its binomial
 * standard error can reach 5 points (0.5 / sqrt(100)), ten times the claims' tolerance.
 */
export const MIN_TEST_EXAMPLES = 100;

function summarizeGroup(runs: RunRecord[], latency: readonly LatencyRecord[]): RunSummary {
  const first = runs[0];
  const accuracies = runs.map((r) => r.test_accuracy);
  const flops = mean(runs.map((r) => r.flops_per_example));
  const denseFlops = mean(runs.map((r) => r.dense_flops_per_example));
  return {
    dataset: first.dataset,
    model: first.model,
    seeds: runs.map((r) => r.seed),
    accuracy: { mean: mean(accuracies), std: sampleStd(accuracies), values: accuracies },
    active_ratio: mean(runs.map((r) => r.active_ratio)),
    flops_per_example: flops,
    dense_flops_per_example: denseFlops,
    flops_saving: denseFlops / flops,
    params: mean(runs.map((r) => r.params)),
    latency_ms: new Map(latency.map((r) => [r.batch, r.median_ms])),
    param_bytes: latency[0]?.param_bytes ?? null,
    activation_bytes_per_example: latency[0]?.activation_bytes_per_example ?? null,
    train_seconds: mean(runs.map((r) => r.train_seconds)),
    train_examples: first.train_examples,
    test_examples: first.test_examples,
    epochs: first.epochs,
    finetune_epochs: first.finetune_epochs ?? 0,
    too_few_test_examples: first.test_examples < MIN_TEST_EXAMPLES,
  };
}

/** The datasets of the results in study order: the configured ones first, then any others run. */
export function datasetOrder(results: StudyResults): string[] {
  return [...new Set([...results.config.datasets, ...results.runs.map((r) => r.dataset)])];
}

type Subject = { dataset: string; model: ModelKind };

/** Order of (dataset, model) pairs: dataset in study order, then dense, dropout, static, midl. */
export function byStudyOrder(results: StudyResults): (a: Subject, b: Subject) => number {
  const datasets = datasetOrder(results);
  return (a, b) =>
    datasets.indexOf(a.dataset) - datasets.indexOf(b.dataset) || MODEL_KINDS.indexOf(a.model) - MODEL_KINDS.indexOf(b.model);
}

/** One summary per (dataset, model) that has runs, in study order. */
export function summarizeRuns(results: StudyResults): RunSummary[] {
  const groups = groupBy(results.runs, (r) => `${r.dataset}\u0000${r.model}`);
  const latency = results.analyses?.latency ?? [];
  return [...groups.values()]
    .map((runs) => summarizeGroup(runs, latency.filter((r) => r.dataset === runs[0].dataset && r.model === runs[0].model)))
    .sort(byStudyOrder(results));
}

export function findSummary(summaries: readonly RunSummary[], dataset: string, model: ModelKind): RunSummary | undefined {
  return summaries.find((s) => s.dataset === dataset && s.model === model);
}
