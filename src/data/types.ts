/** The shapes every dataset loader produces and the training code consumes. */
import type { SparseRows } from '../nn/sparse.js';

export type { SparseRows };

export type DatasetName = 'mnist' | 'cifar10' | 'cifar100' | 'svhn' | 'adult' | 'imdb';

export const datasetNames: readonly DatasetName[] = ['mnist', 'cifar10', 'cifar100', 'svhn', 'adult', 'imdb'];

/** Token-id sequences in CSR form: bag i is ids[offsets[i] .. offsets[i+1]) (offsets has count+1 entries). */
export interface TokenBags {
  ids: Int32Array;
  offsets: Int32Array;
}

/**
 * Image pixels kept as the files' bytes (a quarter of the memory of float32, and nothing to
 * convert at load time), decoded on read: a pixel of channel c with byte v stands for
 * table[c * 256 + v], the float32 value of (v / 255 - mean[c]) / std[c].
 */
export interface PixelBytes {
  /** count * C * H * W bytes, each example C planes of H rows of W pixels (CHW). */
  bytes: Uint8Array;
  shape: [number, number, number];
  /** C * 256 normalised values, one 256-entry block per channel. */
  table: Float32Array;
}

interface SplitBase {
  y: Int32Array;
  count: number;
  tokens?: TokenBags;
}

/** A split of float32 features: x holds count * featureSize values, row-major, one example after another. */
export interface DenseSplit extends SplitBase {
  x: Float32Array;
  pixels?: undefined;
  rows?: undefined;
}

/**
 * A split of images (MNIST, CIFAR, SVHN) held as bytes. Its inputs are the same normalised NCHW
 * float32 values a DenseSplit would hold; read them through DataLoader batches, copyExamples or
 * (for the whole matrix at once, 4 bytes per pixel) featureMatrix.
 */
export interface ImageSplit extends SplitBase {
  pixels: PixelBytes;
  x?: undefined;
  rows?: undefined;
}

/**
 * A split of mostly-zero features (IMDB's bag of words) held as CSR rows: about 1% of the
 * memory of the dense matrix. Batches carry the rows (for a sparse-input first layer) and
 * their dense form (for any other layer).
 */
export interface SparseSplit extends SplitBase {
  rows: SparseRows;
  x?: undefined;
  pixels?: undefined;
}

/** One split of a dataset: dense float32 features, images as bytes decoded on read, or sparse rows. */
export type Split = DenseSplit | ImageSplit | SparseSplit;

export interface Dataset {
  name: DatasetName;
  numClasses: number;
  /** Per-example shape: [C, H, W] for images (NCHW), [features] for Adult and IMDB. */
  inputShape: number[];
  train: Split;
  test: Split;
  classNames: string[];
  /** Absolute paths of the files the data was read from. */
  files: string[];
  /** Facts worth reporting: subsets, missing files, fitted statistics. */
  notes: string[];
}

/** Progress of one download: bytes received so far, and the total when the server says it. */
export interface DownloadProgress {
  file: string;
  received: number;
  total: number | null;
}

export interface LoadOptions {
  /** A directory holding the data (the CLI's --data-dir); see resolveDataDir for the layouts accepted. */
  dataDir?: string;
  /** Download missing files into the cache (default true); only applies when no dataDir/MIDL_DATA_DIR is given. */
  download?: boolean;
  /** Overrides the per-user cache directory (default $XDG_CACHE_HOME/midl or ~/.cache/midl). */
  cacheDir?: string;
  /** Replaces the host and folder of every download URL (a mirror, or a local server in tests). */
  baseUrl?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** CIFAR-100 label set: 100 fine classes (default) or 20 coarse superclasses. */
  cifar100Labels?: 'fine' | 'coarse';
  /** IMDB vocabulary size: the V most frequent training words (default 10000). */
  imdbVocabSize?: number;
  /** IMDB bag-of-words values: word present 0/1 (default) or L2-normalised TF-IDF. */
  imdbFeatures?: 'binary' | 'tfidf';
  /** Also read SVHN's extra_32x32.mat (531,131 more training digits) when present. */
  svhnExtra?: boolean;
}
