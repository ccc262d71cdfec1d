/**
 * The report's activity and frontier sections: a table and a plot (one panel per dataset)
 * each, from results.analyses.activity and results.analyses.frontier.
 */
import { frontierModels, summarizeFrontier } from '../frontier.js';
import type { StudyResults } from '../results.js';
import { pct } from './format.js';
import { MIN_TEST_EXAMPLES } from './summary.js';
import { perDataset, type Plot } from './plot-spec.js';
import type { Table } from './table.js';

const FRONTIER_COLORS: Record<(typeof frontierModels)[number], string> = {
  midl: '#0f8b8d', adaptive: '#2ec4b6', static: '#8c6bb1', narrow: '#56657a', dense: '#1d2430', dropout: '#e09f3e',
};

export function activityTable(results: StudyResults): Table | null {
  const records = results.analyses?.activity;
  if (!records || records.length === 0) return null;
  const share = (mean: number, n: number): string => pct(mean / n);
  return {
    title: 'Active neurons per example',
    header: ['Dataset', 'Model', 'Seed', 'Layer', 'k', 'Mean', 'Std', 'Min', 'Max', 'Correct (mean)', 'Wrong (mean)', 'Classes (min..max of means)'],
    rows: records.map((r) => {
      const classMeans = r.per_class.filter((c) => c.examples > 0).map((c) => c.mean);
      return [
        r.dataset, r.model, String(r.seed), r.layer, String(r.k), share(r.overall.mean, r.neurons), share(r.overall.std, r.neurons),
        share(r.overall.min, r.neurons), share(r.overall.max, r.neurons), share(r.correct.mean, r.neurons),
        r.wrong.examples === 0 ? 'n/a' : share(r.wrong.mean, r.neurons),
        `${share(Math.min(...classMeans), r.neurons)}..${share(Math.max(...classMeans), r.neurons)}`,
      ];
    }),
    numericFrom: 2,
  };
}

/** Histograms of each MID-L layer's active share per example (the first seed of each dataset). */
export function activityPlot(results: StudyResults): Plot | null {
  const records = results.analyses?.activity ?? [];
  if (records.length === 0) return null;
  const rows = records
    .filter((r) => r.seed === records.find((x) => x.dataset === r.dataset)?.seed)
    .flatMap((r) => r.overall.histogram.flatMap((examples, c) => (examples === 0 ? [] : [{
      dataset: r.dataset, layer: `layer ${r.layer}`, active: (100 * c) / r.neurons, share: (100 * examples) / r.overall.examples,
    }])));
  return {
    id: 'activity',
    title: 'Active neurons per example, per MID-L layer (share of test examples; first seed)',
    spec: perDataset(results, rows, {
      mark: { type: 'bar', opacity: 0.75 },
      encoding: {
        x: { field: 'active', type: 'quantitative', title: 'Active neurons (% of the layer)', bin: { maxbins: 40 } },
        y: { field: 'share', type: 'quantitative', aggregate: 'sum', title: 'Examples (%)', stack: null },
        color: { field: 'layer', type: 'nominal', title: 'Layer' },
      },
    }),
  };
}

export function frontierTable(results: StudyResults): Table | null {
  const verdicts = results.analyses?.frontier?.verdicts;
  if (!verdicts || verdicts.length === 0) return null;
  return {
    title: 'Accuracy against FLOPs',
    header: ['Dataset', 'Keep', 'Most accurate', 'Margin (points)', 'Over', 'Spread over seeds (points)', 'All, at their FLOPs'],
    rows: verdicts.map((v) => {
      // A dataset tested on too few examples gets no verdict, as in the results table.
      const tooFew = results.runs.some((r) => r.dataset === v.dataset && r.test_examples < MIN_TEST_EXAMPLES);
      return [
        v.dataset, String(v.keep), tooFew ? '(too few test ex.)' : v.best, tooFew ? '-' : v.margin_points.toFixed(2), tooFew ? '-' : v.runner_up,
        v.spread_points === null ? 'one seed' : v.spread_points.toFixed(2), v.text.slice(v.text.indexOf('; ') + 2),
      ];
    }),
    numericFrom: 3,
  };
}

/** Test accuracy against FLOPs per example: a point per run, a line through each model's means. */
export function frontierPlot(results: StudyResults): Plot | null {
  const points = results.analyses?.frontier?.points ?? [];
  if (points.length === 0) return null;
  const rows = points.map((p) => ({
    dataset: p.dataset, model: p.model, keep: p.keep ?? 1, mflops: p.flops_per_example / 1e6, accuracy: 100 * p.test_accuracy,
  }));
  const datasets = [...new Set(points.map((p) => p.dataset))];
  const means = datasets.flatMap((dataset) => summarizeFrontier(points.filter((p) => p.dataset === dataset)).map((s) => ({
    dataset, model: s.model, keep: s.keep ?? 1, mflops: s.flops_per_example / 1e6, accuracy: 100 * s.accuracy,
  })));
  const models = frontierModels.filter((m) => points.some((p) => p.model === m));
  const color = { field: 'model', type: 'nominal', title: 'Model', sort: models, scale: { domain: models, range: models.map((m) => FRONTIER_COLORS[m]) } };
  const x = { field: 'mflops', type: 'quantitative', title: 'MFLOPs per example', scale: { zero: false } };
  const y = { field: 'accuracy', type: 'quantitative', title: 'Test accuracy (%)', scale: { zero: false } };
  const spec = perDataset(results, [...rows.map((r) => ({ ...r, kind: 'run' })), ...means.map((r) => ({ ...r, kind: 'mean' }))], {
    layer: [
      { transform: [{ filter: "datum.kind === 'mean'" }], mark: { type: 'line', point: false, opacity: 0.8 }, encoding: { x, y, color, order: { field: 'keep' } } },
      { transform: [{ filter: "datum.kind === 'run'" }], mark: { type: 'point', filled: true, size: 40, opacity: 0.7 }, encoding: { x, y, color, shape: { field: 'model', type: 'nominal', title: 'Model', sort: models } } },
    ],
  });
  return { id: 'frontier', title: 'Test accuracy against FLOPs per example (points: runs; lines: means over seeds, by keep)', spec };
}
