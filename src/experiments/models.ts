/**
 * The models of the study, one per benchmark, in the variants the paper compares.
 * docs/experiments.md says why each architecture was chosen.
 */
import type { DatasetName } from '../data/types.js';
import { MidlInputError } from '../errors.js';
import { Dropout } from '../nn/dropout.js';
import { Conv2d } from '../nn/conv.js';
import { Flatten, MaxPool2d } from '../nn/layers.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import type { Rng } from '../tensor/rng.js';
import { MIDL, type MidlOptions } from '../midl/layer.js';

export const variants = ['dense', 'dropout', 'static', 'midl'] as const;
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
  return dataset === 'cifar10' || dataset === 'cifar100' || dataset === 'svhn' ? 1 : 2;
}

/**
 * A hidden dense layer with ReLU, in the form the variant asks for (keep: this layer's ratio).
 * The static variant trains as dense; toStaticSparse converts it after training.
 */
export function hiddenLayers(inF: number, outF: number, c: ModelConfig, keep: number): Module[] {
  if (c.variant === 'midl') return [new MIDL(inF, outF, { keep, rng: c.rng, ...c.midl })];
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

/** One convolution unit of the CNN: a 3x3 convolution (padding 1) with ReLU. */
export function convUnit(inChannels: number, outChannels: number, c: ModelConfig): Module[] {
  return [new Conv2d(inChannels, outChannels, 3, { pad: 1, activation: 'relu', rng: c.rng })];
}

/**
 * The small CNN of the image benchmarks: two blocks of two convolution units (32 then 64
 * channels) and 2x2 max-pooling, then a 512-wide dense head (the layer MID-L replaces) and
 * the classifier.
 */
export function smallCnn(inputShape: number[], classes: number, c: ModelConfig): Sequential {
  const [channels, height, width] = inputShape;
  const flat = 64 * Math.floor(height / 4) * Math.floor(width / 4);
  return new Sequential(
    ...convUnit(channels, 32, c), ...convUnit(32, 32, c), new MaxPool2d(2),
    ...convUnit(32, 64, c), ...convUnit(64, 64, c), new MaxPool2d(2),
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
