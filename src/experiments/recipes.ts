/**
 * Training recipes per benchmark: the same recipe for every variant of a benchmark.
 * `full` is the default study on the complete data; `quick` is a small real configuration
 * of every dataset that finishes in minutes (fewer epochs and subsets).
 * docs/experiments.md gives the reason for each choice.
 */
import type { Augmentation } from '../data/augment.js';
import type { DatasetName } from '../data/types.js';
import { constantSchedule, cosineSchedule, type Schedule } from '../optim/schedule.js';

export interface Recipe {
  epochs: number;
  batchSize: number;
  /** Adam's learning rate at the first epoch. */
  lr: number;
  weightDecay: number;
  /** How the learning rate moves over the epochs: 'cosine' anneals it to 0 by the last epoch; default 'constant'. */
  schedule?: 'cosine' | 'constant';
  /** Random crop and flip of the training images (default none). */
  augment?: Augmentation;
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

/** CIFAR's standard augmentation: 4-pixel random crop and horizontal flip. */
const cropAndFlip: Augmentation = { padding: 4, flip: true };
/** Digits are not mirror-symmetric: SVHN gets the crop only. */
const cropOnly: Augmentation = { padding: 4, flip: false };

const base = { batchSize: 128, lr: 1e-3, weightDecay: 0 };
const fullBase = { ...base, schedule: 'cosine', staticFinetuneEpochs: 2 } as const;
const quickBase = { ...base, schedule: 'constant', staticFinetuneEpochs: 1 } as const;

export const fullRecipes: Record<DatasetName, Recipe> = {
  mnist: { ...fullBase, epochs: 12, limitTrain: null, limitTest: null },
  cifar10: { ...fullBase, epochs: 15, augment: cropAndFlip, limitTrain: null, limitTest: null },
  cifar100: { ...fullBase, epochs: 15, augment: cropAndFlip, limitTrain: null, limitTest: null },
  svhn: { ...fullBase, epochs: 15, augment: cropOnly, limitTrain: null, limitTest: null },
  adult: { ...fullBase, batchSize: 256, epochs: 10, limitTrain: null, limitTest: null },
  imdb: { ...fullBase, lr: 1e-4, epochs: 2, limitTrain: null, limitTest: null },
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

/** The learning rate of each 0-based epoch under a recipe's schedule. */
export function recipeSchedule(r: Pick<Recipe, 'lr' | 'epochs' | 'schedule'>): Schedule {
  return r.schedule === 'cosine' ? cosineSchedule(r.lr, r.epochs) : constantSchedule(r.lr);
}
