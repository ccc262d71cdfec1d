import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataLoader, channelStats, featureMatrix, loadDataset, readCifar10, readCifar100 } from '../../src/data/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { MidlInputError } from '../../src/errors.js';
import { fixtureDataDir, tempDir } from '../helpers.js';

const cifar10Dir = path.join(fixtureDataDir, 'cifar-10', 'cifar-10-batches-bin');
const cifar100Dir = path.join(fixtureDataDir, 'cifar-100', 'cifar-100-binary');

/** RGB of pixel (row, col) of image n in CHW bytes. */
function rgb(pixels: Uint8Array, n: number, row: number, col: number): number[] {
  return [0, 1, 2].map((c) => pixels[n * 3072 + c * 1024 + row * 32 + col]);
}

test('CIFAR-10 raw reader: the first records of batch 1 and of the test batch, known pixels, found batches', () => {
  const raw = readCifar10(cifar10Dir);
  assert.equal(raw.train.count, 300);
  assert.equal(raw.test.count, 100);
  assert.deepEqual([...raw.train.labels.subarray(0, 10)], [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
  assert.deepEqual([...raw.test.labels.subarray(0, 10)], [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
  assert.deepEqual(rgb(raw.train.pixels, 0, 0, 0), [59, 62, 63]);
  assert.deepEqual(rgb(raw.test.pixels, 0, 0, 0), [158, 112, 49]);
  assert.deepEqual(raw.missing, ['data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin']);
  assert.equal(raw.files.length, 2);
});

test('CIFAR-10 dataset: NCHW, each channel standardised with its own train statistics', async () => {
  const d = await loadDataset('cifar10', { dataDir: fixtureDataDir });
  assert.deepEqual(d.inputShape, [3, 32, 32]);
  assert.equal(d.train.pixels?.bytes.length, 300 * 3072, 'kept as bytes');
  assert.equal(d.classNames[9], 'truck');
  assert.ok(d.notes.some((n) => n.includes('data_batch_2.bin')));
  const raw = readCifar10(cifar10Dir);
  const stats = channelStats(raw.train);
  const expected = (v: number, c: number): number => Math.fround((v / 255 - stats.mean[c]) / stats.std[c]);
  const x = featureMatrix(d.train);
  assert.equal(x.length, 300 * 3072);
  for (let k = 0; k < x.length; k += 101) assert.equal(x[k], expected(raw.train.pixels[k], Math.floor((k % 3072) / 1024)), `value ${k}`);
  const batch = new DataLoader(d.train, { batchSize: 64 }).epoch(new Rng(4)).next().value!;
  for (let i = 0; i < batch.size; i++) {
    const n = batch.indices[i];
    for (let k = 0; k < 3072; k += 7) assert.equal(batch.x[i * 3072 + k], x[n * 3072 + k], `example ${n} value ${k}`);
  }
});

test('CIFAR-100: fine labels by default, coarse on request', () => {
  const fine = readCifar100(cifar100Dir);
  assert.equal(fine.train.count, 300);
  assert.equal(fine.test.count, 100);
  assert.deepEqual([...fine.train.labels.subarray(0, 10)], [19, 29, 0, 11, 1, 86, 90, 28, 23, 31]);
  assert.deepEqual([...fine.test.labels.subarray(0, 5)], [49, 33, 72, 51, 71]);
  const coarse = readCifar100(cifar100Dir, 'coarse');
  assert.ok(coarse.train.labels.every((v) => v >= 0 && v < 20));
  assert.notDeepEqual([...coarse.train.labels.subarray(0, 10)], [...fine.train.labels.subarray(0, 10)]);
});

test('CIFAR-100 dataset with coarse labels reads the superclass names', async () => {
  const d = await loadDataset('cifar100', { dataDir: path.join(fixtureDataDir, 'cifar-100'), cifar100Labels: 'coarse' });
  assert.equal(d.numClasses, 20);
  assert.equal(d.classNames[0], 'aquatic_mammals');
  assert.equal(d.classNames[19], 'vehicles_2');
});

test('bad CIFAR files are one-line errors naming the file', () => {
  const dir = tempDir();
  const record = fs.readFileSync(path.join(cifar10Dir, 'test_batch.bin')).subarray(0, 3073 * 3);
  fs.writeFileSync(path.join(dir, 'data_batch_1.bin'), record);
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), record.subarray(0, 3073 * 2 + 100));
  assert.throws(() => readCifar10(dir), (e: Error) => e instanceof MidlInputError && /test_batch\.bin: size 6246 is not a multiple of the 3073-byte record/.test(e.message));
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), Buffer.concat([Buffer.from([10]), record.subarray(1)]));
  assert.throws(() => readCifar10(dir), (e: Error) => e instanceof MidlInputError && /test_batch\.bin: label 10 of record 0 is not below 10/.test(e.message));
  fs.rmSync(path.join(dir, 'test_batch.bin'));
  assert.throws(() => readCifar10(dir), (e: Error) => e instanceof MidlInputError && /test_batch\.bin: file not found/.test(e.message));
  fs.writeFileSync(path.join(dir, 'train.bin'), record);
  fs.writeFileSync(path.join(dir, 'test.bin'), Buffer.alloc(0));
  assert.throws(() => readCifar100(dir), (e: Error) => e instanceof MidlInputError && /train\.bin: size 9219 is not a multiple of the 3074-byte record/.test(e.message));
});
