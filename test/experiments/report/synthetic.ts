/**
 * A realistic, hand-made results object: the input the report renderers are tested on.
 * Numbers are chosen so summaries can be checked by hand (see the tests).
 */
import type { ModelKind, RunRecord, StudyResults } from '../../../src/experiments/results.js';

/** Per dataset: dense accuracy, dense FLOPs per example, params of the dense model. */
const DATASETS = {
  mnist: { accuracy: 0.98, denseFlops: 802_816, params: 535_818, train: 60_000, test: 10_000, epochs: 3 },
  adult: { accuracy: 0.85, denseFlops: 108_544, params: 55_042, train: 32_561, test: 16_281, epochs: 2 },
  imdb: { accuracy: 0.87, denseFlops: 1_050_624, params: 530_946, train: 25_000, test: 25_000, epochs: 2 },
} as const;
type Dataset = keyof typeof DATASETS;

export const SEEDS = [1, 2, 3];
const MODELS: ModelKind[] = ['dense', 'dropout', 'static', 'midl'];

/** Seed i shifts accuracy by SPREAD[model] * (i - 1): mean unchanged, sample std = SPREAD. */
const SPREAD: Record<ModelKind, number> = { dense: 0.005, dropout: 0.006, static: 0.008, midl: 0.01, 'midl-conv': 0.01 };
const ACCURACY_SHIFT: Record<ModelKind, number> = { dense: 0, dropout: 0.001, static: -0.02, midl: 0.001, 'midl-conv': -0.002 };
/** MID-L's active ratios per seed: mean 0.45, a 55% reduction. */
const MIDL_ACTIVE = [0.44, 0.45, 0.46];
export const MIDL_SAVING = 1.75;

function run(dataset: Dataset, model: ModelKind, seedIndex: number): RunRecord {
  const d = DATASETS[dataset];
  const accuracy = d.accuracy + ACCURACY_SHIFT[model] + SPREAD[model] * (seedIndex - 1);
  const active = model === 'midl' ? MIDL_ACTIVE[seedIndex] : model === 'static' ? 0.45 : 1;
  const flops = model === 'midl' ? d.denseFlops / MIDL_SAVING : model === 'static' ? d.denseFlops * 0.45 : d.denseFlops;
  const params = model === 'midl' ? Math.round(d.params * 1.12) : d.params;
  const latencyScale = model === 'midl' ? 0.8 : 1;
  return {
    dataset,
    model,
    seed: SEEDS[seedIndex],
    epochs: d.epochs,
    train_examples: d.train,
    test_examples: d.test,
    test_accuracy: accuracy,
    active_ratio: active,
    flops_per_example: flops,
    dense_flops_per_example: d.denseFlops,
    params,
    latency_ms: { batch1: 0.2 * latencyScale, batch256: 9.5 * latencyScale },
    train_seconds: 40 + 10 * seedIndex,
    history: Array.from({ length: d.epochs }, (_, e) => ({
      epoch: e + 1,
      train_loss: 0.6 / (e + 1),
      train_accuracy: Math.min(1, accuracy + 0.01 - 0.05 / (e + 1)),
      test_accuracy: accuracy - 0.04 / (e + 1) + 0.04 / d.epochs,
    })),
    ...(model === 'midl'
      ? { per_layer_active: [
          { layer: 'hidden1', active_ratio: active, min: active - 0.1, max: active + 0.1 },
          { layer: 'hidden2', active_ratio: active, min: active - 0.05, max: active + 0.05 },
        ] }
      : {}),
  };
}

function analyses(): NonNullable<StudyResults['analyses']> {
  const pair: ModelKind[] = ['dense', 'midl'];
  const better = (m: ModelKind): number => (m === 'midl' ? 0.02 : 0);
  return {
    smi: pair.flatMap((model) =>
      ['hidden1', 'hidden2'].map((layer) => ({
        dataset: 'mnist', model, layer, smi: 0.4 + better(model), stderr: 0.01, directions: 128, examples: 2000,
        ...(model === 'midl' ? { per_neuron: { selected_most: [0.31, 0.29, 0.3], selected_least: [0.1, 0.12, 0.11] } } : {}),
      })),
    ),
    robustness: {
      label_noise: pair.flatMap((model) =>
        [0, 0.2, 0.4].flatMap((noise) => SEEDS.slice(0, 2).map((seed) => ({
          dataset: 'mnist', model, seed, noise, test_accuracy: 0.98 - noise * 0.2 + better(model) * noise + 0.002 * (seed - 1.5),
        }))),
      ),
      input_noise: pair.flatMap((model) =>
        [0, 0.1, 0.3].flatMap((sigma) => SEEDS.slice(0, 2).map((seed) => ({
          dataset: 'mnist', model, seed, sigma, test_accuracy: 0.98 - sigma * 0.5 + better(model) * sigma + 0.002 * (seed - 1.5),
        }))),
      ),
      overfitting: pair.flatMap((model) => SEEDS.slice(0, 2).map((seed) => {
        const history = Array.from({ length: 10 }, (_, e) => ({
          epoch: e + 1,
          train_accuracy: Math.min(1, 0.7 + 0.04 * e),
          test_accuracy: 0.85 + better(model) + 0.01 * Math.min(e, 5) - 0.004 * Math.max(0, e - 5),
        }));
        const tests = history.map((h) => h.test_accuracy);
        const last = history[history.length - 1];
        return {
          dataset: 'mnist', model, seed, subset: 0.1, epochs: 10, train_accuracy: last.train_accuracy,
          best_test_accuracy: Math.max(...tests), final_test_accuracy: last.test_accuracy,
          gap: last.train_accuracy - last.test_accuracy, history,
        };
      })),
    },
    latency: pair.flatMap((model) =>
      [1, 8, 256].map((batch) => ({
        dataset: 'mnist', model, batch,
        median_ms: (model === 'midl' ? 0.8 : 1) * (0.15 + 0.035 * batch),
        p95_ms: (model === 'midl' ? 0.8 : 1) * (0.2 + 0.04 * batch),
        param_bytes: model === 'midl' ? 2_400_000 : 2_143_272,
        activation_bytes_per_example: model === 'midl' ? 3_600 : 4_096,
        peak_rss_bytes: 180_000_000,
      })),
    ),
  };
}

/** A fresh copy each call, so tests may change it. */
export function syntheticResults(): StudyResults {
  const datasets = Object.keys(DATASETS) as Dataset[];
  return {
    machine: { cpu: 'Intel(R) Xeon(R) CPU @ 2.20GHz', cores: 2, memory_gib: 7.8, node: 'v20.19.0', backend: 'native', threads: 2, os: 'linux x64 (Debian 12)' },
    config: {
      datasets: [...datasets, 'cifar10'],
      models: MODELS,
      seeds: SEEDS,
      keep: 0.45,
      quick: true,
      data_dir: '/data/midl',
      epochs: Object.fromEntries(datasets.map((d) => [d, DATASETS[d].epochs])),
      limits: Object.fromEntries(datasets.map((d) => [d, { train: null, test: null }])),
    },
    started_at: '2025-06-01T10:00:00.000Z',
    finished_at: '2025-06-01T11:42:30.000Z',
    runs: datasets.flatMap((d) => MODELS.flatMap((m) => SEEDS.map((_, i) => run(d, m, i)))),
    skipped: [{ dataset: 'cifar10', reason: 'files not found in /data/midl/cifar10 <run `midl data fetch` & retry>' }],
    analyses: analyses(),
  };
}
