/** SVHN format 2: X is 32x32x3xN uint8 (column-major), y is Nx1 with labels 1..10, where 10 means digit 0. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MidlInputError } from '../errors.js';
import { readFileChecked } from './fileio.js';
import { imageDataset, type RawImages } from './images.js';
import { parseMat } from './matlab.js';
import type { Dataset, LoadOptions } from './types.js';

/** Reads one SVHN .mat file into CHW images with labels 0..9. */
export function readSvhnFile(file: string): RawImages {
  const arrays = parseMat(readFileChecked(file), file);
  const X = arrays.get('X') ?? fail(file, 'no array named X');
  const y = arrays.get('y') ?? fail(file, 'no array named y');
  const [h, w, channels, count = 1] = X.dims;
  if (X.dims.length > 4 || h !== 32 || w !== 32 || channels !== 3) fail(file, `X is ${X.dims.join('x')}, expected 32x32x3xN`);
  if (!(X.data instanceof Uint8Array)) fail(file, 'X is not stored as uint8');
  if (y.data.length !== count) fail(file, `y has ${y.data.length} labels for ${count} images`);
  const labels = new Int32Array(count);
  y.data.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 1 || v > 10) fail(file, `label ${v} at index ${i} is not in 1..10`);
    labels[i] = v % 10;
  });
  return { pixels: columnMajorToChw(X.data, count), labels, count, shape: [3, 32, 32] };
}

/** X[r, c, ch, n] sits at r + 32c + 1024ch + 3072n; CHW wants it at 3072n + 1024ch + 32r + c. */
function columnMajorToChw(src: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let plane = 0; plane < count * 3; plane++) {
    const base = plane * 1024;
    for (let c = 0; c < 32; c++) {
      for (let r = 0; r < 32; r++) out[base + r * 32 + c] = src[base + c * 32 + r];
    }
  }
  return out;
}

function fail(file: string, problem: string): never {
  throw new MidlInputError(`${file}: ${problem}`);
}

function concatImages(parts: RawImages[]): RawImages {
  if (parts.length === 1) return parts[0];
  const count = parts.reduce((n, p) => n + p.count, 0);
  const pixels = new Uint8Array(count * 3072);
  const labels = new Int32Array(count);
  let n = 0;
  for (const p of parts) {
    pixels.set(p.pixels, n * 3072);
    labels.set(p.labels, n);
    n += p.count;
  }
  return { pixels, labels, count, shape: parts[0].shape };
}

/** Reads train_32x32.mat and test_32x32.mat, and extra_32x32.mat into train when asked and present. */
export function readSvhn(dir: string, withExtra = false): { train: RawImages; test: RawImages; files: string[] } {
  const trainFile = path.join(dir, 'train_32x32.mat');
  const testFile = path.join(dir, 'test_32x32.mat');
  const extraFile = path.join(dir, 'extra_32x32.mat');
  const useExtra = withExtra && fs.existsSync(extraFile);
  const trainFiles = useExtra ? [trainFile, extraFile] : [trainFile];
  return {
    train: concatImages(trainFiles.map(readSvhnFile)),
    test: readSvhnFile(testFile),
    files: [...trainFiles, testFile],
  };
}

export function buildSvhn(dir: string, opts: LoadOptions): Dataset {
  const { train, test, files } = readSvhn(dir, opts.svhnExtra === true);
  const notes = ['label 10 in the .mat files is digit 0'];
  if (opts.svhnExtra === true && files.length === 2) notes.push('extra_32x32.mat asked for but not present');
  const classNames = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  return imageDataset({ name: 'svhn', numClasses: 10, classNames, files, notes }, train, test);
}
