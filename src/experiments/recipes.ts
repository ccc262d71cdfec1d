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
  /**
   * The static variant's fine-tuning epochs after its neurons are fixed (magnitude pruning
   * is followed by fine-tuning in practice; without it the baseline is a straw man).
   */
  staticFinetuneEpochs: number;
}

const base = { batchSize: 128, lr: 1e-3, weightDecay: 0 };
const fullBase = { ...base, staticFinetuneEpochs: 2 };
const quickBase = { ...base, staticFinetuneEpochs: 1 };

export const fullRecipes: Record<DatasetName, Recipe> = {
  mnist: { ...fullBase, epochs: 10, limitTrain: null, limitTest: null },
  cifar10: { ...fullBase, epochs: 12, limitTrain: null, limitTest: null },
  cifar100: { ...fullBase, epochs: 12, limitTrain: null, limitTest: null },
  svhn: { ...fullBase, epochs: 12, limitTrain: null, limitTest: null },
  adult: { ...fullBase, batchSize: 256, epochs: 10, limitTrain: null, limitTest: null },
  imdb: { ...fullBase, epochs: 6, limitTrain: null, limitTest: null },
};

export const quickRecipes: Record<DatasetName, Recipe> = {
  mnist: { ...quickBase, epochs: 2, limitTrain: 10000, limitTest: 2000 },
  cifar10: { ...quickBase, epochs: 1, limitTrain: 1500, limitTest: 500 },
  cifar100: { ...quickBase, epochs: 1, limitTrain: 1500, limitTest: 500 },
  svhn: { ...quickBase, epochs: 1, limitTrain: 1500, limitTest: 500 },
  adult: { ...quickBase, batchSize: 256, epochs: 2, limitTrain: 10000, limitTest: 4000 },
  imdb: { ...quickBase, epochs: 2, limitTrain: 5000, limitTest: 2000 },
};

export function recipeFor(dataset: DatasetName, quick: boolean): Recipe {
  return (quick ? quickRecipes : fullRecipes)[dataset];
}
