import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DataLoader, channelStats, classCounts, featureMatrix, loadDataset, readCifar10, readCifar100 } from '../../src/data/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { sharedDataDir } from '../helpers.js';

const cifar10Dir = path.join(sharedDataDir(), 'cifar-10', 'cifar-10-batches-bin');
const cifar100Dir = path.join(sharedDataDir(), 'cifar-100', 'cifar-100-binary');

/** RGB of pixel (row, col) of image n in CHW bytes. */
function rgb(pixels: Uint8Array, n: number, row: number, col: number): number[] {
  return [0, 1, 2].map((c) => pixels[n * 3072 + c * 1024 + row * 32 + col]);
}

test('CIFAR-10 raw reader: counts, class counts, first labels, known pixels, found batches', () => {
  const raw = readCifar10(cifar10Dir);
  assert.equal(raw.train.count, 10000);
  assert.equal(raw.test.count, 2000);
  assert.deepEqual(classCounts(raw.train.labels, 10), [1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981]);
  assert.deepEqual(classCounts(raw.test.labels, 10), [196, 198, 195, 199, 198, 185, 216, 193, 217, 203]);
  assert.deepEqual([...raw.train.labels.subarray(0, 10)], [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
  assert.deepEqual([...raw.test.labels.subarray(0, 10)], [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
  assert.deepEqual(rgb(raw.train.pixels, 0, 0, 0), [59, 62, 63]);
  assert.deepEqual(rgb(raw.test.pixels, 0, 0, 0), [158, 112, 49]);
  assert.deepEqual(raw.missing, ['data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin']);
  assert.equal(raw.files.length, 2);
});

test('CIFAR-10 dataset: NCHW, standardised with the data_batch_1 statistics', async () => {
  const d = await loadDataset('cifar10', { dataDir: sharedDataDir() });
  assert.deepEqual(d.inputShape, [3, 32, 32]);
  assert.equal(d.train.pixels?.bytes.length, 10000 * 3072, 'kept as bytes');
  const x = featureMatrix(d.train);
  assert.equal(x.length, 10000 * 3072);
  assert.equal(d.classNames[9], 'truck');
  // Published per-channel mean 125.83/123.26/114.03, std 63.14/62.37/66.97 (0..255).
  assert.ok(d.notes.some((n) => n.includes(`mean ${(125.83 / 255).toFixed(4)}`)), d.notes.join('; '));
  const expected = (59 / 255 - 125.83 / 255) / (63.14 / 255);
  assert.ok(Math.abs(x[0] - expected) < 2e-3, `${x[0]} vs ${expected}`);
  assert.ok(d.notes.some((n) => n.includes('data_batch_2.bin')));
});

test('CIFAR-10 batches decode each channel with its own statistics, as the up-front normalisation did', async () => {
  const d = await loadDataset('cifar10', { dataDir: sharedDataDir() });
  const raw = readCifar10(cifar10Dir);
  // The statistics of data_batch_1, pinned to the last bit (the normalised values depend on them).
  const stats = channelStats(raw.train);
  assert.deepEqual(stats.mean, [0.4934578442861518, 0.48337516161151944, 0.4471791639859068]);
  assert.deepEqual(stats.std, [0.24762116768418568, 0.24458512146305686, 0.26261100055409115]);
  const old = (v: number, c: number): number => Math.fround((v / 255 - stats.mean[c]) / stats.std[c]);
  const batch = new DataLoader(d.train, { batchSize: 64 }).epoch(new Rng(4)).next().value!;
  for (let i = 0; i < batch.size; i++) {
    const n = batch.indices[i];
    for (let k = 0; k < 3072; k += 7) {
      const c = Math.floor(k / 1024);
      assert.equal(batch.x[i * 3072 + k], old(raw.train.pixels[n * 3072 + k], c), `example ${n} value ${k}`);
    }
  }
});

test('CIFAR-100: fine labels by default, coarse on request, known counts and names', () => {
  const fine = readCifar100(cifar100Dir);
  assert.equal(fine.train.count, 50000);
  assert.equal(fine.test.count, 10000);
  assert.deepEqual([...fine.train.labels.subarray(0, 10)], [19, 29, 0, 11, 1, 86, 90, 28, 23, 31]);
  assert.deepEqual([...fine.test.labels.subarray(0, 5)], [49, 33, 72, 51, 71]);
  // The complete set: 500 train and 100 test images of each fine class, 2,500 and 500 of each superclass.
  assert.deepEqual(classCounts(fine.train.labels, 100), new Array(100).fill(500));
  assert.deepEqual(classCounts(fine.test.labels, 100), new Array(100).fill(100));
  const coarse = readCifar100(cifar100Dir, 'coarse');
  assert.deepEqual(classCounts(coarse.train.labels, 20), new Array(20).fill(2500));
  assert.deepEqual(classCounts(coarse.test.labels, 20), new Array(20).fill(500));
});
