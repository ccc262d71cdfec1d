/**
 * Cost and activity accounting (docs/method.md section 2): multiply-accumulates per example at
 * inference, for the model and for its dense counterpart (every MID-L or static-sparse
 * layer replaced by the plain Linear of the same shape), and the active neurons of each
 * MID-L layer over the eval forwards since the last reset. FLOPs = 2 x MACs.
 */
import { BatchNorm1d, BatchNorm2d } from '../nn/batchnorm.js';
import { Conv2d } from '../nn/conv.js';
import { AvgPool2d, Flatten, GlobalAvgPool2d, MaxPool2d } from '../nn/layers.js';
import { Linear } from '../nn/linear.js';
import type { AnyModule } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import { convOutSize } from '../tensor/ops/conv.js';
import { MIDLConv2d } from './conv.js';
import { MIDL } from './layer.js';
import { StaticSparseLinear } from './static-sparse.js';

export interface LayerCost {
  name: string;
  kind: string;
  macs: number;
  denseMacs: number;
  /** Neurons (or channels) of the layer, and mean/min/max active per example, for sparse layers. */
  neurons?: number;
  meanActive?: number;
  minActive?: number;
  maxActive?: number;
  /** Standard deviation of the active count per example (0 for fixed selection). */
  stdActive?: number;
  /** For MID-L layers: neurons kept per input (k), or the per-input cap in adaptive mode. */
  k?: number;
  /** For MID-L layers: examples with c active neurons (channels), c = 0..n. */
  histogram?: number[];
}

export interface CostReport {
  layers: LayerCost[];
  macsPerExample: number;
  denseMacsPerExample: number;
  flopsPerExample: number;
  denseFlopsPerExample: number;
  /** dense FLOPs / model FLOPs. */
  flopsSaving: number;
  /** Mean fraction of neurons whose full path ran, over sparse layers weighted by width (1 when none). */
  activeRatio: number;
}

/** Costs of one module given its per-example input shape; returns the output shape. */
function walk(m: AnyModule, name: string, shape: number[], out: LayerCost[]): number[] {
  if (m instanceof Sequential) {
    let s = shape;
    m.layers.forEach((layer, i) => (s = walk(layer, name === '' ? String(i) : `${name}.${i}`, s, out)));
    return s;
  }
  if (m instanceof MIDL) {
    const stats = m.activity;
    const active = stats.examples > 0 ? stats.meanActive() : (m.mode === 'adaptive' ? m.budget * m.outFeatures : m.currentK());
    out.push({
      name, kind: 'MIDL', macs: m.inferenceMacs(active), denseMacs: m.inFeatures * m.outFeatures,
      neurons: m.outFeatures, meanActive: active,
      minActive: stats.examples > 0 ? stats.min : active, maxActive: stats.examples > 0 ? stats.max : active,
      stdActive: stats.examples > 0 ? stats.stdActive() : 0, k: m.currentK(),
      histogram: stats.examples > 0 ? [...stats.histogram] : undefined,
    });
    return [m.outFeatures];
  }
  if (m instanceof MIDLConv2d) {
    const [, h, w] = shape;
    const [oh, ow] = m.outputSize(h, w);
    const stats = m.activity;
    const active = stats.examples > 0 ? stats.meanActive() : m.currentK();
    out.push({
      name, kind: 'MIDLConv2d', macs: m.inferenceMacs(active, h, w),
      denseMacs: m.outChannels * m.inChannels * m.kernelSize * m.kernelSize * oh * ow,
      neurons: m.outChannels, meanActive: active,
      minActive: stats.examples > 0 ? stats.min : active, maxActive: stats.examples > 0 ? stats.max : active,
      stdActive: stats.examples > 0 ? stats.stdActive() : 0, k: m.currentK(),
      histogram: stats.examples > 0 ? [...stats.histogram] : undefined,
    });
    return [m.outChannels, oh, ow];
  }
  if (m instanceof StaticSparseLinear) {
    const k = m.kept.length;
    out.push({
      name, kind: 'StaticSparse', macs: k * m.inFeatures, denseMacs: m.inFeatures * m.outFeatures,
      neurons: m.outFeatures, meanActive: k, minActive: k, maxActive: k, stdActive: 0, k,
    });
    return [m.outFeatures];
  }
  if (m instanceof Linear) {
    out.push({ name, kind: 'Linear', macs: m.inFeatures * m.outFeatures, denseMacs: m.inFeatures * m.outFeatures });
    return [m.outFeatures];
  }
  if (m instanceof Conv2d) {
    const [, h, w] = shape;
    const oh = convOutSize(h, m.kernelSize, m.stride, m.pad);
    const ow = convOutSize(w, m.kernelSize, m.stride, m.pad);
    const macs = m.outChannels * m.inChannels * m.kernelSize * m.kernelSize * oh * ow;
    out.push({ name, kind: 'Conv2d', macs, denseMacs: macs });
    return [m.outChannels, oh, ow];
  }
  if (m instanceof MaxPool2d || m instanceof AvgPool2d) {
    return [shape[0], convOutSize(shape[1], m.kernelSize, m.stride, m.pad), convOutSize(shape[2], m.kernelSize, m.stride, m.pad)];
  }
  if (m instanceof GlobalAvgPool2d) return [shape[0]];
  // Batch norm keeps the shape, and at inference folds into the convolution or layer before it.
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) return shape;
  if (m instanceof Flatten) return [shape.reduce((a, b) => a * b, 1)];
  if (m.namedChildren().length === 0 && m.parameters().length === 0) return shape; // activations, dropout
  throw new Error(`costReport: no cost rule for ${m.constructor.name} at '${name}'`);
}

/** The cost report of a model for a per-example input shape (e.g. [1, 28, 28]). */
export function costReport(model: AnyModule, inputShape: number[]): CostReport {
  const layers: LayerCost[] = [];
  walk(model, '', inputShape, layers);
  const macs = layers.reduce((s, l) => s + l.macs, 0);
  const dense = layers.reduce((s, l) => s + l.denseMacs, 0);
  const sparse = layers.filter((l) => l.neurons !== undefined);
  const width = sparse.reduce((s, l) => s + (l.neurons as number), 0);
  const active = sparse.reduce((s, l) => s + (l.meanActive as number), 0);
  return {
    layers,
    macsPerExample: macs,
    denseMacsPerExample: dense,
    flopsPerExample: 2 * macs,
    denseFlopsPerExample: 2 * dense,
    flopsSaving: dense / macs,
    activeRatio: width === 0 ? 1 : active / width,
  };
}

/** Clears the active-neuron statistics of every MID-L layer (e.g. before an evaluation). */
export function resetActivity(model: AnyModule): void {
  for (const [, m] of model.namedModules()) if (m instanceof MIDL || m instanceof MIDLConv2d) m.activity.reset();
}

/** A readable table of the report. */
export function formatCostReport(r: CostReport): string {
  const rows = r.layers.map((l) => [
    l.name, l.kind, l.macs.toLocaleString('en-US'), l.denseMacs.toLocaleString('en-US'),
    l.k === undefined ? '' : String(l.k),
    l.neurons === undefined ? '' : `${(100 * (l.meanActive as number) / l.neurons).toFixed(1)}%`,
    l.neurons === undefined ? '' : `${(100 * (l.stdActive ?? 0) / l.neurons).toFixed(1)}%`,
    l.neurons === undefined ? '' : `${l.minActive}..${l.maxActive}`,
  ]);
  const header = ['layer', 'kind', 'MACs/example', 'dense MACs', 'k', 'active', 'std', 'min..max'];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [
    line(header),
    ...rows.map(line),
    '',
    `FLOPs/example: ${r.flopsPerExample.toLocaleString('en-US')} (dense ${r.denseFlopsPerExample.toLocaleString('en-US')}), ` +
      `saving ${r.flopsSaving.toFixed(2)}x, active neurons ${(100 * r.activeRatio).toFixed(1)}%`,
  ].join('\n');
}
