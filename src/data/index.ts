/** The data layer's public API. */
export * from './types.js';
export { loadDataset } from './load.js';
export { resolveDataDir, candidateDirs, findDatasetDir, defaultCacheRoot, type ResolvedDir } from './resolve.js';
export { readMnist, parseIdx } from './mnist.js';
export { classCounts, type RawImages } from './images.js';
