/** CIFAR-10 and CIFAR-100, binary versions: fixed-size records of label byte(s) then R, G, B planes of 32x32. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MidlInputError } from '../errors.js';
import { readFileChecked } from './fileio.js';
import { imageDataset, type RawImages } from './images.js';
import type { Dataset, LoadOptions } from './types.js';

const PIXELS = 3 * 32 * 32;
const cifar10Names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/**
 * Reads records of labelBytes label bytes plus 3072 pixel bytes from files, in order; labelIndex
 * picks which label byte is the class. The record size must divide each file's size.
 */
export function readCifarRecords(files: string[], labelBytes: number, labelIndex: number, numClasses: number): RawImages {
  const record = labelBytes + PIXELS;
  const buffers = files.map((file) => {
    const buf = readFileChecked(file);
    if (buf.length === 0 || buf.length % record !== 0) {
      throw new MidlInputError(`${file}: size ${buf.length} is not a multiple of the ${record}-byte record (truncated or not CIFAR binary)`);
    }
    return buf;
  });
  const count = buffers.reduce((n, b) => n + b.length / record, 0);
  const pixels = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  let n = 0;
  buffers.forEach((buf, f) => {
    for (let offset = 0; offset < buf.length; offset += record, n++) {
      const label = buf[offset + labelIndex];
      if (label >= numClasses) throw new MidlInputError(`${files[f]}: label ${label} of record ${offset / record} is not below ${numClasses}`);
      labels[n] = label;
      pixels.set(buf.subarray(offset + labelBytes, offset + record), n * PIXELS);
    }
  });
  return { pixels, labels, count, shape: [3, 32, 32] };
}

/** The non-empty lines of a label-name file, if present and holding exactly count names. */
function readNames(file: string, count: number): string[] | null {
  if (!fs.existsSync(file)) return null;
  const names = readFileChecked(file).toString('utf8').split('\n').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length !== count) throw new MidlInputError(`${file}: expected ${count} class names, found ${names.length}`);
  return names;
}

/** Reads whichever of data_batch_1..5.bin are present, and test_batch.bin. */
export function readCifar10(dir: string): { train: RawImages; test: RawImages; files: string[]; missing: string[] } {
  const batches = [1, 2, 3, 4, 5].map((i) => path.join(dir, `data_batch_${i}.bin`));
  const found = batches.filter((f) => fs.existsSync(f));
  if (found.length === 0) throw new MidlInputError(`${dir}: no CIFAR-10 training batch (data_batch_1.bin..data_batch_5.bin)`);
  const testFile = path.join(dir, 'test_batch.bin');
  return {
    train: readCifarRecords(found, 1, 0, 10),
    test: readCifarRecords([testFile], 1, 0, 10),
    files: [...found, testFile],
    missing: batches.filter((f) => !found.includes(f)).map((f) => path.basename(f)),
  };
}

/** Reads train.bin and test.bin, with the fine (default) or coarse labels. */
export function readCifar100(dir: string, labels: 'fine' | 'coarse' = 'fine'): { train: RawImages; test: RawImages; files: string[] } {
  const numClasses = labels === 'fine' ? 100 : 20;
  const labelIndex = labels === 'fine' ? 1 : 0;
  const files = [path.join(dir, 'train.bin'), path.join(dir, 'test.bin')];
  return {
    train: readCifarRecords([files[0]], 2, labelIndex, numClasses),
    test: readCifarRecords([files[1]], 2, labelIndex, numClasses),
    files,
  };
}

export function buildCifar10(dir: string): Dataset {
  const { train, test, files, missing } = readCifar10(dir);
  const notes = missing.length > 0 ? [`training batches not found: ${missing.join(', ')} (train has ${train.count} examples)`] : [];
  const classNames = readNames(path.join(dir, 'batches.meta.txt'), 10) ?? cifar10Names;
  return imageDataset({ name: 'cifar10', numClasses: 10, classNames, files, notes }, train, test);
}

export function buildCifar100(dir: string, opts: LoadOptions): Dataset {
  const labels = opts.cifar100Labels ?? 'fine';
  const { train, test, files } = readCifar100(dir, labels);
  const numClasses = labels === 'fine' ? 100 : 20;
  const classNames = readNames(path.join(dir, `${labels}_label_names.txt`), numClasses) ??
    Array.from({ length: numClasses }, (_, i) => `${labels}_${i}`);
  return imageDataset({ name: 'cifar100', numClasses, classNames, files, notes: [`${labels} labels`] }, train, test);
}
