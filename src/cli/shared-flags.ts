/**
 * The flags several commands share, declared once. A command picks the ones it takes
 * (`flags: { dataset, dataDir, seed, ... }`); withHelp() narrows a help line where a
 * command gives the flag a narrower meaning. Flags every command takes (threads, json,
 * verbose, help) are in command.ts.
 */
import { datasetNames } from '../data/types.js';
import { variants } from '../experiments/models.js';
import { choiceFlag, listFlag, numberFlag, numberItem, oneOf, stringFlag } from './flags.js';

/** Parses one model name of a list (dense, dropout, static, midl, ...). */
export const parseVariant = oneOf(variants, 'model');
/** Parses one dataset name of a list. */
export const parseDataset = oneOf(datasetNames, 'dataset');
/** Parses one seed of a list. */
export const parseSeed = numberItem({ min: 0, max: 2 ** 32 - 1, integer: true });

export const dataset = choiceFlag('dataset', datasetNames, { placeholder: 'D', help: 'the benchmark', required: true });

export const dataDir = stringFlag('data-dir', {
  placeholder: 'DIR',
  help: "a folder with the dataset's files, or a root holding several\ndatasets (mnist/, cifar-10/, ...); default: $MIDL_DATA_DIR, else\n~/.cache/midl",
});

export const seed = numberFlag('seed', { placeholder: 'S', help: 'seed of every random draw', min: 0, max: 2 ** 32 - 1, integer: true, default: 1 });

export const out = stringFlag('out', { placeholder: 'DIR', help: 'where the results go' });

export const checkpoint = stringFlag('checkpoint', {
  placeholder: 'FILE', help: "a model written by midl train --out DIR or midl reproduce\n(DIR/final.safetensors)", required: true,
});

export const keep = numberFlag('keep', { placeholder: 'X', help: 'MID-L and static keep ratio', min: 1e-6, max: 1, default: 0.45 });

export const models = (defaultModels: readonly (typeof variants)[number][]) =>
  listFlag('models', parseVariant, { placeholder: 'LIST', help: `comma-separated, from ${variants.join(',')}`, default: defaultModels });

export const seeds = (defaultSeeds: readonly number[]) =>
  listFlag('seeds', parseSeed, { placeholder: 'LIST', help: 'comma-separated seeds', default: defaultSeeds });

export const epochs = numberFlag('epochs', { placeholder: 'N', help: "training epochs (default: the dataset's recipe)", min: 1, integer: true });

export const limitTrain = numberFlag('limit-train', {
  placeholder: 'N', help: 'train on a seeded random subset of N examples (default: all)', min: 1, integer: true,
});

export const limitTest = numberFlag('limit-test', {
  placeholder: 'N', help: 'test on a fixed random subset of N test examples (default: all)', min: 1, integer: true,
});

export const batchSizes = (defaultBatches: readonly number[]) =>
  listFlag('batch', numberItem({ min: 1, integer: true }), { placeholder: 'LIST', help: 'comma-separated batch sizes', default: defaultBatches });
