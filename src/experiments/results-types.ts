/**
 * The types of results.json, the results of `midl reproduce` (results.ts re-exports them
 * with their validation).
 * Units (see docs/results-schema.md): accuracies and ratios are fractions in [0, 1],
 * FLOPs = 2 x MACs per example, times in ms or s as the field name says, memory in bytes.
 */
import type { ActivityRecord } from './analyses/activity.js';

export const MODEL_KINDS = ['dense', 'dropout', 'static', 'midl', 'midl-conv'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gib: number;
  node: string;
  backend: string;
  threads: number;
  os: string;
  [extra: string]: unknown;
}

/** Examples used per dataset; null means the whole split. */
export interface DataLimit {
  train: number | null;
  test: number | null;
}

export interface StudyConfig {
  datasets: string[];
  models: ModelKind[];
  seeds: number[];
  /** The keep ratio of MID-L and static sparsity: one, or one per hidden layer. */
  keep: number | number[];
  quick: boolean;
  data_dir: string;
  epochs: Record<string, number>;
  limits: Record<string, DataLimit>;
  [extra: string]: unknown;
}

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  test_accuracy: number;
}

export interface LayerActivity {
  layer: string;
  active_ratio: number;
  min: number;
  max: number;
  /** Standard deviation of the active fraction per example (0 for a fixed k). */
  std?: number;
  /** Neurons kept per input (k), or adaptive mode's per-input cap. */
  k?: number;
}

export interface RunRecord {
  dataset: string;
  model: ModelKind;
  seed: number;
  epochs: number;
  /** The static variant's fine-tuning epochs after its neurons were fixed (absent: 0). */
  finetune_epochs?: number;
  train_examples: number;
  test_examples: number;
  test_accuracy: number;
  active_ratio: number;
  flops_per_example: number;
  dense_flops_per_example: number;
  params: number;
  latency_ms: { batch1: number; batch256: number };
  train_seconds: number;
  /** The machine's 1-minute load average when the run's latency was measured (a busy machine makes timings indicative only). */
  load_average?: number;
  /** Mean cores other processes kept busy while the run trained and its latency was measured. */
  other_cpu?: number;
  history: EpochRecord[];
  per_layer_active?: LayerActivity[];
  [extra: string]: unknown;
}

export interface SkippedDataset {
  dataset: string;
  reason: string;
}

export interface SmiRecord {
  dataset: string;
  model: ModelKind;
  layer: string;
  smi: number;
  stderr: number;
  directions: number;
  examples: number;
  /** I(h_j; Y) in nats of the neurons MID-L selects most often and least often. */
  per_neuron?: { selected_most: number[]; selected_least: number[] };
}

export interface LabelNoiseRecord {
  dataset: string;
  model: ModelKind;
  seed: number;
  noise: number;
  test_accuracy: number;
}

export interface InputNoiseRecord {
  dataset: string;
  model: ModelKind;
  seed: number;
  sigma: number;
  test_accuracy: number;
}

export interface OverfittingRecord {
  dataset: string;
  model: ModelKind;
  seed: number;
  subset: number;
  epochs: number;
  train_accuracy: number;
  best_test_accuracy: number;
  final_test_accuracy: number;
  gap: number;
  history: { epoch: number; train_accuracy: number; test_accuracy: number }[];
}

export interface LatencyRecord {
  dataset: string;
  model: ModelKind;
  batch: number;
  median_ms: number;
  p95_ms: number;
  param_bytes: number;
  activation_bytes_per_example: number;
  peak_rss_bytes: number;
  /** The machine's 1-minute load average after the measurement. */
  load_average?: number;
  /** Mean cores other processes kept busy during the timed rounds. */
  other_cpu?: number;
}

export interface Analyses {
  smi?: SmiRecord[];
  robustness?: {
    label_noise: LabelNoiseRecord[];
    input_noise: InputNoiseRecord[];
    overfitting: OverfittingRecord[];
  };
  latency?: LatencyRecord[];
  /** Active neurons per example, per MID-L layer (analyses/activity.ts). */
  activity?: ActivityRecord[];
  /** Accuracy against FLOPs (frontier.ts): a point per (model, keep, seed), and a verdict per keep. */
  frontier?: { points: FrontierPoint[]; verdicts: FrontierVerdict[] };
}

/** The frontier's models (frontier.ts): `adaptive` is MID-L's adaptive preset, `narrow` the FLOPs-matched dense model. */
export const frontierModels = ['midl', 'adaptive', 'static', 'narrow', 'dense', 'dropout'] as const;
export type FrontierModel = (typeof frontierModels)[number];

export interface FrontierPoint {
  dataset: string;
  model: FrontierModel;
  /** The keep ratio (the adaptive preset's budget); null for dense and dropout at full width. */
  keep: number | null;
  seed: number;
  test_accuracy: number;
  flops_per_example: number;
  active_ratio: number;
  /** Hidden widths relative to the study's model (below 1 for `narrow`). */
  hidden_scale: number;
  epochs: number;
  train_examples: number;
}

export interface FrontierVerdict {
  dataset: string;
  keep: number;
  best: FrontierModel;
  runner_up: FrontierModel;
  /** best's mean accuracy minus the runner-up's, in points. */
  margin_points: number;
  /** The larger of the two spreads over seeds, in points (null for one seed). */
  spread_points: number | null;
  text: string;
}

export interface StudyResults {
  machine: MachineInfo;
  config: StudyConfig;
  started_at: string;
  finished_at: string;
  runs: RunRecord[];
  skipped: SkippedDataset[];
  analyses?: Analyses;
  /** Present while the study is still running: the datasets not reached yet. */
  pending_datasets?: string[];
  [extra: string]: unknown;
}
