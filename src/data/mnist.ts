/** MNIST in its IDX files (gzipped or not). */
import * as path from 'node:path';
import { MidlInputError } from '../errors.js';
import { firstExisting, readMaybeGzip } from './fileio.js';
import { imageDataset, type RawImages } from './images.js';
import type { Dataset } from './types.js';

export const mnistStems = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an unsigned-byte IDX file, checking its magic number and that the data has exactly the size the header gives. */
export function parseIdx(buf: Buffer, file: string, expectedMagic: number): IdxArray {
  if (buf.length < 4) throw new MidlInputError(`${file}: truncated IDX file (${buf.length} bytes, no header)`);
  const magic = buf.readUInt32BE(0);
  if (magic !== expectedMagic) throw new MidlInputError(`${file}: wrong IDX magic number ${magic}, expected ${expectedMagic}`);
  const ndims = magic & 0xff;
  const headerSize = 4 + 4 * ndims;
  if (buf.length < headerSize) throw new MidlInputError(`${file}: truncated IDX header`);
  const dims = Array.from({ length: ndims }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = buf.length - headerSize;
  if (found !== expected) {
    const problem = found < expected ? 'truncated' : 'has trailing bytes';
    throw new MidlInputError(`${file}: ${problem}: header ${dims.join('x')} needs ${expected} data bytes, found ${found}`);
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerSize, expected) };
}

/** The path of an IDX file in dir, gzipped (.gz) or not. */
export function mnistFile(dir: string, stem: string): string {
  return firstExisting([path.join(dir, `${stem}.gz`), path.join(dir, stem)]) ?? path.join(dir, `${stem}.gz`);
}

function readImagesAndLabels(imagesFile: string, labelsFile: string): RawImages {
  const images = parseIdx(readMaybeGzip(imagesFile), imagesFile, IMAGES_MAGIC);
  const labels = parseIdx(readMaybeGzip(labelsFile), labelsFile, LABELS_MAGIC);
  const [count, h, w] = images.dims;
  if (labels.dims[0] !== count) {
    throw new MidlInputError(`${labelsFile}: ${labels.dims[0]} labels for ${count} images in ${path.basename(imagesFile)}`);
  }
  const y = Int32Array.from(labels.data);
  const bad = y.findIndex((v) => v > 9);
  if (bad >= 0) throw new MidlInputError(`${labelsFile}: label ${y[bad]} at index ${bad} is not a digit 0-9`);
  return { pixels: images.data, labels: y, count, shape: [1, h, w] };
}

/** Reads the four MNIST files from dir. */
export function readMnist(dir: string): { train: RawImages; test: RawImages; files: string[] } {
  const files = [mnistStems.trainImages, mnistStems.trainLabels, mnistStems.testImages, mnistStems.testLabels]
    .map((stem) => mnistFile(dir, stem));
  return {
    train: readImagesAndLabels(files[0], files[1]),
    test: readImagesAndLabels(files[2], files[3]),
    files,
  };
}

/** MNIST as a Dataset: 1x28x28 images standardised with the train mean/std. */
export function buildMnist(dir: string): Dataset {
  const { train, test, files } = readMnist(dir);
  const base = { name: 'mnist' as const, numClasses: 10, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], files, notes: [] };
  return imageDataset(base, train, test);
}
