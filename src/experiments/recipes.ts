/**
 * Training recipes per benchmark: the same recipe for all four variants of a benchmark.
 * `full` is the default study; `quick` is a small real configuration of every dataset
 * that finishes in minutes (fewer epochs and subsets). docs/experiments.md explains them.
 */
import type { DatasetName } from '../data/types.js';

export interface Recipe {
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  /** Training examples used (null: the whole split found). */
  limitTrain: number | null;
  /** Test examples used (null: the whole split found). */
  limitTest: number | null;
}

const base = { batchSize: 128, lr: 1e-3, weightDecay: 0 };

export const fullRecipes: Record<DatasetName, Recipe> = {
  mnist: { ...base, epochs: 10, limitTrain: null, limitTest: null },
  cifar10: { ...base, epochs: 12, limitTrain: null, limitTest: null },
  cifar100: { ...base, epochs: 12, limitTrain: null, limitTest: null },
  svhn: { ...base, epochs: 12, limitTrain: null, limitTest: null },
  adult: { ...base, batchSize: 256, epochs: 10, limitTrain: null, limitTest: null },
  imdb: { ...base, epochs: 6, limitTrain: null, limitTest: null },
};

export const quickRecipes: Record<DatasetName, Recipe> = {
  mnist: { ...base, epochs: 2, limitTrain: 10000, limitTest: 2000 },
  cifar10: { ...base, epochs: 1, limitTrain: 1500, limitTest: 500 },
  cifar100: { ...base, epochs: 1, limitTrain: 1500, limitTest: 500 },
  svhn: { ...base, epochs: 1, limitTrain: 1500, limitTest: 500 },
  adult: { ...base, batchSize: 256, epochs: 2, limitTrain: 10000, limitTest: 4000 },
  imdb: { ...base, epochs: 2, limitTrain: 5000, limitTest: 2000 },
};

export function recipeFor(dataset: DatasetName, quick: boolean): Recipe {
  return (quick ? quickRecipes : fullRecipes)[dataset];
}
