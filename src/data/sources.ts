/**
 * Where each dataset lives: the files a directory must hold, the folder names it usually has,
 * and the canonical downloads with their published checksums.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetName } from './types.js';
import { mnistFile, mnistStems } from './mnist.js';

export interface RemoteFile {
  /** The name the download is saved under in the cache directory. */
  file: string;
  url: string;
  md5?: string;
  sha256?: string;
  /** For archives: maps a member's path to the name to write it under (null skips it); the archive is then deleted. */
  extract?: (member: string) => string | null;
}

export interface DatasetSource {
  /** Folder names a dataset usually has under a root holding several datasets. */
  folders: string[];
  /** The folder the official archive unpacks to, if any. */
  archiveFolder?: string;
  /** Whether dir holds a copy this project can read. */
  present(dir: string): boolean;
  /** The files needed, for error messages. */
  needed: string;
  downloads: RemoteFile[];
}

const exists = (dir: string, name: string): boolean => fs.existsSync(path.join(dir, name));
const isDir = (p: string): boolean => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;

/** A member of an archive whose file name matches pattern, written under its own base name. */
const keepBaseName = (pattern: RegExp) => (member: string): string | null => {
  const base = member.split('/').pop() ?? '';
  return pattern.test(base) ? base : null;
};

/** The IMDB archive in dir, if one is there (aclImdb_v1.tar.gz, aclImdb_subset.tar.gz, ...). */
export function imdbArchive(dir: string): string | null {
  if (!isDir(dir)) return null;
  const name = fs.readdirSync(dir).sort().find((f) => /^aclImdb.*\.(tar\.gz|tgz)$/.test(f));
  return name === undefined ? null : path.join(dir, name);
}

const cvdfMnist = 'https://storage.googleapis.com/cvdf-datasets/mnist';
const uciAdult = 'https://archive.ics.uci.edu/ml/machine-learning-databases/adult';
const svhnHost = 'http://ufldl.stanford.edu/housenumbers';

export const sources: Record<DatasetName, DatasetSource> = {
  mnist: {
    folders: ['mnist', 'MNIST'],
    present: (dir) => Object.values(mnistStems).every((stem) => fs.existsSync(mnistFile(dir, stem))),
    needed: 'train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz',
    downloads: [
      { file: 'train-images-idx3-ubyte.gz', url: `${cvdfMnist}/train-images-idx3-ubyte.gz`,
        sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609' },
      { file: 'train-labels-idx1-ubyte.gz', url: `${cvdfMnist}/train-labels-idx1-ubyte.gz`,
        sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c' },
      { file: 't10k-images-idx3-ubyte.gz', url: `${cvdfMnist}/t10k-images-idx3-ubyte.gz`,
        sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6' },
      { file: 't10k-labels-idx1-ubyte.gz', url: `${cvdfMnist}/t10k-labels-idx1-ubyte.gz`,
        sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6' },
    ],
  },
  cifar10: {
    folders: ['cifar10', 'cifar-10', 'CIFAR10', 'CIFAR-10'],
    archiveFolder: 'cifar-10-batches-bin',
    present: (dir) => exists(dir, 'test_batch.bin') && [1, 2, 3, 4, 5].some((i) => exists(dir, `data_batch_${i}.bin`)),
    needed: 'data_batch_1.bin..data_batch_5.bin and test_batch.bin (CIFAR-10 binary version)',
    downloads: [
      { file: 'cifar-10-binary.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        md5: 'c32a1d4ab5d03f1284b67883e8d87530', extract: keepBaseName(/^(data_batch_[1-5]\.bin|test_batch\.bin|batches\.meta\.txt)$/) },
    ],
  },
  cifar100: {
    folders: ['cifar100', 'cifar-100', 'CIFAR100', 'CIFAR-100'],
    archiveFolder: 'cifar-100-binary',
    present: (dir) => exists(dir, 'train.bin') && exists(dir, 'test.bin'),
    needed: 'train.bin and test.bin (CIFAR-100 binary version)',
    downloads: [
      { file: 'cifar-100-binary.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        md5: '03b5dce01913d631647c71ecec9e9cb8', extract: keepBaseName(/^(train\.bin|test\.bin|(fine|coarse)_label_names\.txt)$/) },
    ],
  },
  svhn: {
    folders: ['svhn', 'SVHN'],
    present: (dir) => exists(dir, 'train_32x32.mat') && exists(dir, 'test_32x32.mat'),
    needed: 'train_32x32.mat and test_32x32.mat (SVHN format 2)',
    downloads: [
      { file: 'train_32x32.mat', url: `${svhnHost}/train_32x32.mat`, md5: 'e26dedcc434d2e4c54c9b2d4a06d8373' },
      { file: 'test_32x32.mat', url: `${svhnHost}/test_32x32.mat`, md5: 'eb5a983be6a315427106f1b164d9cef3' },
    ],
  },
  adult: {
    folders: ['adult', 'Adult', 'uci-adult'],
    present: (dir) => exists(dir, 'adult.data') && exists(dir, 'adult.test'),
    needed: 'adult.data and adult.test (UCI Adult)',
    downloads: [
      { file: 'adult.data', url: `${uciAdult}/adult.data`, md5: '5d7c39d7b8804f071cdd1f2a7c460872',
        sha256: '5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d' },
      { file: 'adult.test', url: `${uciAdult}/adult.test`, md5: '35238206dfdf7f1fe215bbb874adecdc',
        sha256: 'a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05' },
    ],
  },
  imdb: {
    folders: ['imdb', 'IMDB'],
    archiveFolder: 'aclImdb',
    present: (dir) => (isDir(path.join(dir, 'train')) && isDir(path.join(dir, 'test'))) || imdbArchive(dir) !== null,
    needed: 'the aclImdb folder (train/pos, train/neg, test/pos, test/neg) or aclImdb_v1.tar.gz',
    downloads: [
      { file: 'aclImdb_v1.tar.gz', url: 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz',
        md5: '7c2ac02c03563afcf9b574c7e56c153a' },
    ],
  },
};
