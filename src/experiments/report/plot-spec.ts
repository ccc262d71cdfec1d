/**
 * What every plot of the report shares: the Plot type, the theme, the model colors and the
 * one-panel-per-dataset layout (kept apart from the plots so that the analyses' plots can use
 * them without an import cycle).
 */
import type { TopLevelSpec } from 'vega-lite';
import { MODEL_KINDS, type ModelKind, type StudyResults } from '../results.js';
import { datasetOrder } from './summary.js';

export interface Plot {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

export type Row = Record<string, string | number>;

export const MODEL_COLORS: Record<ModelKind, string> = { dense: '#56657a', dropout: '#e09f3e', static: '#8c6bb1', midl: '#0f8b8d', 'midl-conv': '#2a9d5c' };
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
export const PANEL = { width: 250, height: 170 };

export const CONFIG = {
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
export function colorEncoding(rows: readonly Row[]): object {
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
export function perDataset(results: StudyResults, rows: Row[], panel: object): TopLevelSpec {
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
