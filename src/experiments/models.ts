/**
 * The models of the study, one per benchmark, in the variants the paper compares.
 * docs/experiments.md says why each architecture was chosen.
 */
import type { DatasetName } from '../data/types.js';
import { MidlInputError } from '../errors.js';
import { BatchNorm2d } from '../nn/batchnorm.js';
import { Dropout } from '../nn/dropout.js';
import { Conv2d } from '../nn/conv.js';
import { Flatten, MaxPool2d } from '../nn/layers.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import type { Rng } from '../tensor/rng.js';
import { MIDLConv2d } from '../midl/conv.js';
import { MIDL, type MidlOptions } from '../midl/layer.js';

/** midl-conv: MIDLConv2d in every convolution but the first, and MIDL in the dense head (on the MLP benchmarks, the same as midl). */
export const variants = ['dense', 'dropout', 'static', 'midl', 'midl-conv'] as const;
export type Variant = (typeof variants)[number];

export interface ModelConfig {
  variant: Variant;
  /** Fraction of neurons kept by MID-L and static sparsity: one for every hidden layer, or one per hidden layer. */
  keep: number | number[];
  /** Dropout probability of the dropout variant. */
  dropout: number;
  rng: Rng;
  /** Further MID-L options (threshold, rank, gate penalty, warm-up, ...). */
  midl?: Omit<MidlOptions, 'keep' | 'rng'>;
  /** Hidden dense widths times this (rounded, at least 1): narrower dense models for the frontier. Default 1. */
  hiddenScale?: number;
}

/** A hidden width scaled by the config's hiddenScale. */
function scaled(width: number, c: ModelConfig): number {
  return Math.max(1, Math.round(width * (c.hiddenScale ?? 1)));
}

/**
 * The keep ratio of each of a model's `hidden` layers: one ratio for all, or a list with one
 * per layer (a list of another length is a MidlInputError naming --keep).
 */
export function keepPerLayer(keep: number | readonly number[], hidden: number): number[] {
  if (typeof keep === 'number') return new Array<number>(hidden).fill(keep);
  if (keep.length !== hidden) {
    throw new MidlInputError(`--keep: this model has ${hidden} hidden layer(s), got ${keep.length} keep ratios (${keep.join(',')})`);
  }
  return [...keep];
}

/** The number of hidden dense layers (those MID-L replaces) of a dataset's model. */
export function hiddenLayerCount(dataset: DatasetName): number {
  return hasConvolutions(dataset) ? 1 : 2;
}

/** Whether a dataset's model is the CNN (the image benchmarks) rather than an MLP. */
export function hasConvolutions(dataset: DatasetName): boolean {
  return dataset === 'cifar10' || dataset === 'cifar100' || dataset === 'svhn';
}

/** Whether a variant is a model of its own on a dataset: midl-conv only where there are convolutions (elsewhere it is midl). */
export function variantApplies(variant: Variant, dataset: DatasetName): boolean {
  return variant !== 'midl-conv' || hasConvolutions(dataset);
}

/**
 * A hidden dense layer with ReLU, in the form the variant asks for (keep: this layer's ratio).
 * The static variant trains as dense; toStaticSparse converts it after training.
 */
export function hiddenLayers(inF: number, outF: number, c: ModelConfig, keep: number): Module[] {
  if (c.variant === 'midl' || c.variant === 'midl-conv') {
    const block = c.midl?.blockSize ?? 1;
    if (outF % block !== 0) throw new MidlInputError(`--block: ${block} does not divide the model's hidden width ${outF}`);
    return [new MIDL(inF, outF, { keep, rng: c.rng, ...c.midl })];
  }
  const dense = new Linear(inF, outF, { activation: 'relu', rng: c.rng });
  if (c.variant === 'dropout') return [dense, new Dropout(c.dropout, { rng: c.rng })];
  return [dense];
}

/** An MLP: Flatten, hidden layers of the given widths, a linear classifier. */
export function mlp(inF: number, widths: number[], classes: number, c: ModelConfig): Sequential {
  const layers: Module[] = [new Flatten()];
  const keeps = keepPerLayer(c.keep, widths.length);
  let width = inF;
  for (const [i, w] of widths.map((v) => scaled(v, c)).entries()) {
    layers.push(...hiddenLayers(width, w, c, keeps[i]));
    width = w;
  }
  layers.push(new Linear(width, classes, { rng: c.rng }));
  return new Sequential(...layers);
}

/**
 * A convolution unit: a 3x3 convolution with padding 1, then BatchNorm2d with a fused ReLU
 * (the convolution has no bias: batch norm's shift takes its place). With midl-conv, every
 * convolution but the network's first (whose 3 input channels leave the gate little to
 * choose from) is a MIDLConv2d with the variant's keep and no activation of its own, so the
 * batch norm and ReLU follow the blend of its full and light paths and every variant has the
 * same units apart from the MID-L parts. Batch norm folds into the convolution at inference
 * (midl/cost.ts counts it free). Returns the unit's modules, in order.
 */
export function convLayer(inChannels: number, outChannels: number, first: boolean, c: ModelConfig): Module[] {
  const norm = new BatchNorm2d(outChannels, { activation: 'relu' });
  if (c.variant === 'midl-conv' && !first) {
    if (typeof c.keep !== 'number') throw new MidlInputError('--keep: midl-conv takes one keep ratio for every layer, not a list');
    const conv = new MIDLConv2d(inChannels, outChannels, 3, {
      pad: 1, keep: c.keep, threshold: c.midl?.threshold, ste: c.midl?.ste, activation: 'none', rng: c.rng,
    });
    return [conv, norm];
  }
  return [new Conv2d(inChannels, outChannels, 3, { pad: 1, bias: false, rng: c.rng }), norm];
}

/**
 * The small CNN of the image benchmarks: two blocks of two convolution units (3x3
 * convolution, batch norm, ReLU; 32 then 64 channels) with 2x2 max-pooling, then a 512-wide
 * dense head (the layer MID-L replaces) and the classifier.
 */
export function smallCnn(inputShape: number[], classes: number, c: ModelConfig): Sequential {
  const [channels, height, width] = inputShape;
  const flat = 64 * Math.floor(height / 4) * Math.floor(width / 4);
  return new Sequential(
    ...convLayer(channels, 32, true, c), ...convLayer(32, 32, false, c), new MaxPool2d(2),
    ...convLayer(32, 64, false, c), ...convLayer(64, 64, false, c), new MaxPool2d(2),
    new Flatten(), ...hiddenLayers(flat, scaled(512, c), c, keepPerLayer(c.keep, 1)[0]), new Linear(scaled(512, c), classes, { rng: c.rng }),
  );
}

/** Builds the study's model for a dataset (see docs/experiments.md). */
export function buildModel(dataset: DatasetName, inputShape: number[], classes: number, c: ModelConfig): Sequential {
  const features = inputShape.reduce((a, b) => a * b, 1);
  switch (dataset) {
    case 'mnist':
      return mlp(features, [512, 512], classes, c);
    case 'cifar10':
    case 'cifar100':
    case 'svhn':
      return smallCnn(inputShape, classes, c);
    case 'adult':
      return mlp(features, [256, 256], classes, c);
    case 'imdb':
      return mlp(features, [256, 256], classes, c);
  }
}
