/** The data layer's public API. */
export * from './types.js';
export { loadDataset } from './load.js';
export { resolveDataDir, candidateDirs, findDatasetDir, defaultCacheRoot, type ResolvedDir } from './resolve.js';
export { downloadDataset, fetchToFile, type FetchOptions } from './download.js';
export { sources, type DatasetSource, type RemoteFile } from './sources.js';
export { featureSize, copyExamples, featureMatrix, valueRange } from './split.js';
export { DataLoader, batchInput, subsetSplit, validationSplit, injectLabelNoise, limitTrain, type Batch, type LoaderOptions } from './loader.js';
export { augmentBatch, type Augmentation } from './augment.js';
export { classCounts, channelStats, type RawImages, type ChannelStats } from './images.js';
export { readMnist, parseIdx } from './mnist.js';
export { readCifar10, readCifar100 } from './cifar.js';
export { readSvhn, readSvhnFile } from './svhn.js';
export { parseMat, type MatArray } from './matlab.js';
export { readAdult, parseAdult, fitAdultEncoding, encodeAdult, type AdultTable, type AdultEncoding } from './adult.js';
export { readImdb, type Review } from './imdb.js';
export { tokenize, buildVocabulary } from './text.js';
export { readTar, readTarFile, type TarEntry } from './tar.js';
