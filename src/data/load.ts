/** loadDataset: find (or download) a dataset's files, read them, and preprocess with train-fitted statistics. */
import { MidlInputError } from '../errors.js';
import { downloadDataset } from './download.js';
import { buildAdult } from './adult.js';
import { buildCifar10, buildCifar100 } from './cifar.js';
import { buildImdb } from './imdb.js';
import { buildMnist } from './mnist.js';
import { buildSvhn } from './svhn.js';
import { resolveDataDir } from './resolve.js';
import { sources } from './sources.js';
import { datasetNames, type Dataset, type DatasetName, type LoadOptions } from './types.js';

const builders: Record<DatasetName, (dir: string, opts: LoadOptions) => Dataset> = {
  mnist: buildMnist,
  cifar10: buildCifar10,
  cifar100: buildCifar100,
  svhn: buildSvhn,
  adult: buildAdult,
  imdb: buildImdb,
};

/** Loads a dataset; user-caused problems (missing or damaged files, no network) throw a one-line MidlInputError. */
export async function loadDataset(name: DatasetName, opts: LoadOptions = {}): Promise<Dataset> {
  if (!datasetNames.includes(name)) throw new MidlInputError(`unknown dataset '${String(name)}' (expected one of ${datasetNames.join(', ')})`);
  const resolved = resolveDataDir(name, opts);
  if (!resolved.present) {
    if (opts.download === false) {
      throw new MidlInputError(`${name}: ${resolved.dir} does not hold ${sources[name].needed}, and downloading is off; put the files there or pass --data-dir DIR`);
    }
    await downloadDataset(name, resolved.dir, opts);
  }
  return builders[name](resolved.dir, opts);
}
