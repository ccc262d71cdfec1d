/**
 * The report's plots: Vega-Lite specs compiled and rendered to SVG in Node (no browser,
 * no canvas), so report.html embeds them inline and opens offline.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { MODEL_KINDS, type ModelKind, type StudyResults } from '../results.js';
import { datasetOrder, type RunSummary } from './summary.js';
import { FLOPS_SAVING_CLAIM } from './claims.js';

export interface Plot {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

type Row = Record<string, string | number>;

const MODEL_COLORS: Record<ModelKind, string> = { dense: '#56657a', dropout: '#e09f3e', static: '#8c6bb1', midl: '#0f8b8d', 'midl-conv': '#2a9d5c' };
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
const PANEL = { width: 250, height: 170 };

const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#e2e5ea' },
  axis: {
    labelColor: '#4a5160', titleColor: '#2b303a', titleFontWeight: 600, titleFontSize: 12, labelFontSize: 11,
    gridColor: '#eef0f3', domainColor: '#9aa1ad', tickColor: '#9aa1ad',
  },
  legend: {
    labelColor: '#4a5160', titleColor: '#2b303a', labelFontSize: 11, titleFontSize: 12,
    orient: 'bottom' as const, direction: 'horizontal' as const,
  },
  header: { labelFontSize: 13, labelFontWeight: 600, labelColor: '#2b303a' },
  line: { strokeWidth: 2 },
  point: { size: 45 },
};

/** Model colors, limited to the models that appear so the legend shows only those. */
function colorEncoding(rows: readonly Row[]): object {
  const models = MODEL_KINDS.filter((m) => rows.some((r) => r.model === m));
  return {
    field: 'model',
    type: 'nominal',
    title: 'Model',
    sort: models,
    scale: { domain: models, range: models.map((m) => MODEL_COLORS[m]) },
  };
}

/** A small-multiples chart: one panel per dataset, each with its own scales. */
function perDataset(results: StudyResults, rows: Row[], panel: object): TopLevelSpec {
  const datasets = datasetOrder(results).filter((d) => rows.some((r) => r.dataset === d));
  return {
    config: CONFIG,
    data: { values: rows },
    facet: { field: 'dataset', type: 'nominal', title: null, sort: datasets },
    columns: Math.min(3, datasets.length),
    spec: { ...PANEL, ...panel },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as TopLevelSpec;
}

function accuracyVsActive(results: StudyResults): Plot {
  const rows = results.runs.map((r) => ({
    dataset: r.dataset, model: r.model, seed: r.seed, active: r.active_ratio * 100, accuracy: r.test_accuracy * 100,
  }));
  return {
    id: 'accuracy-vs-active',
    title: 'Test accuracy vs active neurons (one point per run)',
    spec: perDataset(results, rows, {
      mark: { type: 'point', filled: true, opacity: 0.8, size: 70 },
      encoding: {
        x: { field: 'active', type: 'quantitative', title: 'Active neurons (%)', scale: { domain: [0, 100] } },
        y: { field: 'accuracy', type: 'quantitative', title: 'Test accuracy (%)', scale: { zero: false } },
        color: colorEncoding(rows),
        shape: { field: 'model', type: 'nominal', title: 'Model', sort: MODEL_KINDS },
      },
    }),
  };
}

function flopsSaving(results: StudyResults, summaries: readonly RunSummary[]): Plot {
  const rows = summaries.map((s) => ({ dataset: s.dataset, model: s.model, saving: s.flops_saving }));
  const datasets = datasetOrder(results).filter((d) => rows.some((r) => r.dataset === d));
  return {
    id: 'flops-saving',
    title: `FLOPs saving per dataset (dashed: the paper's ${FLOPS_SAVING_CLAIM}x)`,
    spec: {
      config: CONFIG,
      data: { values: rows },
      width: Math.min(820, 150 * datasets.length + 60),
      height: 220,
      layer: [
        {
          mark: { type: 'bar', cornerRadiusEnd: 2 },
          encoding: {
            x: { field: 'dataset', type: 'nominal', title: null, sort: datasets, axis: { labelAngle: 0 } },
            xOffset: { field: 'model', type: 'nominal', sort: MODEL_KINDS },
            y: { field: 'saving', type: 'quantitative', title: 'FLOPs saving (x)' },
            color: colorEncoding(rows),
          },
        },
        {
          mark: { type: 'rule', strokeDash: [5, 4], color: '#c0392b', strokeWidth: 1.5 },
          encoding: { y: { datum: FLOPS_SAVING_CLAIM } },
        },
      ],
    } as TopLevelSpec,
  };
}

function trainingCurves(results: StudyResults): Plot | null {
  const rows = results.runs.flatMap((r) =>
    r.history.map((h) => ({ dataset: r.dataset, model: r.model, seed: r.seed, epoch: h.epoch, accuracy: h.test_accuracy * 100 })),
  );
  if (rows.length === 0) return null;
  return {
    id: 'training-curves',
    title: 'Test accuracy per epoch (mean over seeds)',
    spec: perDataset(results, rows, {
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1 } },
        y: { aggregate: 'mean', field: 'accuracy', type: 'quantitative', title: 'Test accuracy (%)', scale: { zero: false } },
        color: colorEncoding(rows),
      },
    }),
  };
}

function smiPlot(results: StudyResults): Plot | null {
  const records = results.analyses?.smi ?? [];
  if (records.length === 0) return null;
  const rows = records.map((r) => ({
    dataset: r.dataset, model: r.model, layer: r.layer, smi: r.smi, low: r.smi - r.stderr, high: r.smi + r.stderr,
  }));
  const position = {
    x: { field: 'layer', type: 'nominal', title: 'Layer', axis: { labelAngle: 0 } },
    xOffset: { field: 'model', type: 'nominal', sort: MODEL_KINDS },
  };
  return {
    id: 'smi',
    title: 'Sliced mutual information per layer (± one standard error)',
    spec: perDataset(results, rows, {
      layer: [
        {
          mark: { type: 'bar', opacity: 0.85 },
          encoding: { ...position, y: { field: 'smi', type: 'quantitative', title: 'SMI (nats)' }, color: colorEncoding(rows) },
        },
        {
          mark: { type: 'rule', color: '#2b303a' },
          encoding: { ...position, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
        },
      ],
    }),
  };
}

/**
 * The distribution of per-neuron I(h_j; Y) for the neurons MID-L selects most and least often,
 * one box plot pair per dataset and layer.
 */
function perNeuronPlot(results: StudyResults): Plot | null {
  const groups = ['most selected', 'least selected'];
  const rows: Row[] = (results.analyses?.smi ?? []).flatMap((r) => {
    if (r.per_neuron === undefined) return [];
    const panel = `${r.dataset} ${r.layer}`;
    return [
      ...r.per_neuron.selected_most.map((mi) => ({ panel, group: groups[0], mi })),
      ...r.per_neuron.selected_least.map((mi) => ({ panel, group: groups[1], mi })),
    ];
  });
  if (rows.length === 0) return null;
  const panels = [...new Set(rows.map((r) => r.panel))];
  return {
    id: 'smi-neurons',
    title: 'Per-neuron I(h_j; Y) of the MID-L neurons selected most and least often (box: quartiles; whiskers: range)',
    spec: {
      config: CONFIG,
      data: { values: rows },
      facet: { field: 'panel', type: 'nominal', title: null, sort: panels },
      columns: Math.min(3, panels.length),
      spec: {
        ...PANEL,
        mark: { type: 'boxplot', extent: 'min-max' },
        encoding: {
          x: { field: 'group', type: 'nominal', title: null, sort: groups, axis: { labelAngle: 0 } },
          y: { field: 'mi', type: 'quantitative', title: 'I(h_j; Y) (nats)' },
          color: { field: 'group', type: 'nominal', sort: groups, scale: { range: [MODEL_COLORS.midl, '#b8c4cc'] }, legend: null },
        },
      },
      resolve: { scale: { y: 'independent' } },
    } as TopLevelSpec,
  };
}

/** Accuracy (mean over seeds) against a noise level, one line per model. */
function noisePlot(id: string, title: string, results: StudyResults, rows: Row[], level: string, levelTitle: string): Plot | null {
  if (rows.length === 0) return null;
  return {
    id,
    title,
    spec: perDataset(results, rows, {
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: level, type: 'quantitative', title: levelTitle },
        y: { aggregate: 'mean', field: 'accuracy', type: 'quantitative', title: 'Test accuracy (%)', scale: { zero: false } },
        color: colorEncoding(rows),
      },
    }),
  };
}

function labelNoisePlot(results: StudyResults): Plot | null {
  const rows = (results.analyses?.robustness?.label_noise ?? []).map((r) => ({
    dataset: r.dataset, model: r.model, noise: r.noise * 100, accuracy: r.test_accuracy * 100,
  }));
  const title = 'Clean test accuracy vs training labels flipped (mean over seeds)';
  return noisePlot('label-noise', title, results, rows, 'noise', 'Labels flipped (%)');
}

function inputNoisePlot(results: StudyResults): Plot | null {
  const rows = (results.analyses?.robustness?.input_noise ?? []).map((r) => ({
    dataset: r.dataset, model: r.model, sigma: r.sigma, accuracy: r.test_accuracy * 100,
  }));
  const title = 'Test accuracy vs Gaussian noise on test inputs (mean over seeds)';
  return noisePlot('input-noise', title, results, rows, 'sigma', 'Noise sigma');
}

function overfittingPlot(results: StudyResults): Plot | null {
  const rows = (results.analyses?.robustness?.overfitting ?? []).flatMap((r) =>
    r.history.flatMap((h) => [
      { dataset: r.dataset, model: r.model, seed: r.seed, epoch: h.epoch, split: 'train', accuracy: h.train_accuracy * 100 },
      { dataset: r.dataset, model: r.model, seed: r.seed, epoch: h.epoch, split: 'test', accuracy: h.test_accuracy * 100 },
    ]),
  );
  if (rows.length === 0) return null;
  return {
    id: 'overfitting',
    title: 'Train (dashed) and test (solid) accuracy on a small training subset (mean over seeds)',
    spec: perDataset(results, rows, {
      mark: { type: 'line' },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'Epoch' },
        y: { aggregate: 'mean', field: 'accuracy', type: 'quantitative', title: 'Accuracy (%)', scale: { zero: false } },
        color: colorEncoding(rows),
        strokeDash: {
          field: 'split', type: 'nominal', title: 'Split', sort: ['test', 'train'],
          scale: { domain: ['test', 'train'], range: [[1, 0], [5, 3]] },
        },
        detail: { field: 'split' },
      },
    }),
  };
}

function latencyPlot(results: StudyResults): Plot | null {
  const records = results.analyses?.latency ?? [];
  if (records.length === 0) return null;
  const rows = records.map((r) => ({ dataset: r.dataset, model: r.model, batch: r.batch, median: r.median_ms, p95: r.p95_ms }));
  return {
    id: 'latency',
    title: 'Inference latency per batch (median; bars reach p95), log scales',
    spec: perDataset(results, rows, {
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'batch', type: 'quantitative', title: 'Batch size', scale: { type: 'log' } },
            y: { field: 'median', type: 'quantitative', title: 'Latency (ms)', scale: { type: 'log' } },
            color: colorEncoding(rows),
          },
        },
        {
          mark: { type: 'rule', opacity: 0.6 },
          encoding: {
            x: { field: 'batch', type: 'quantitative' },
            y: { field: 'median', type: 'quantitative' },
            y2: { field: 'p95' },
            color: colorEncoding(rows),
          },
        },
      ],
    }),
  };
}

/** The plots of the main results, in display order. */
export function resultPlots(results: StudyResults, summaries: readonly RunSummary[]): Plot[] {
  if (results.runs.length === 0) return [];
  return [accuracyVsActive(results), flopsSaving(results, summaries), trainingCurves(results)].filter((p): p is Plot => p !== null);
}

/** The plots of the analyses present, keyed like the analysis tables (SMI has two). */
export function analysisPlots(results: StudyResults): Map<string, Plot[]> {
  const sections: Array<[string, Array<Plot | null>]> = [
    ['smi', [smiPlot(results), perNeuronPlot(results)]],
    ['label-noise', [labelNoisePlot(results)]],
    ['input-noise', [inputNoisePlot(results)]],
    ['overfitting', [overfittingPlot(results)]],
    ['latency', [latencyPlot(results)]],
  ];
  return new Map(sections.map(([id, plots]) => [id, plots.filter((p): p is Plot => p !== null)]));
}

/**
 * Renders a spec to an SVG string. Element ids (clip paths, gradients) are prefixed with
 * the plot's id so several SVGs inlined in one page do not share them.
 */
export async function renderSvg(plot: Plot): Promise<string> {
  const view = new vega.View(vega.parse(compile(plot.spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg
      .replace(/\bid="([^"]+)"/g, `id="${plot.id}-$1"`)
      .replace(/url\(#([^)]+)\)/g, `url(#${plot.id}-$1)`);
  } finally {
    view.finalize();
  }
}
