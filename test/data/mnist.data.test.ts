import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DataLoader, channelStats, classCounts, copyExamples, featureMatrix, featureSize, loadDataset, readMnist, valueRange } from '../../src/data/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { sharedDataDir } from '../helpers.js';

const mnistDir = path.join(sharedDataDir(), 'mnist');

test('MNIST loads from the real gzip files with the published counts', async () => {
  const d = await loadDataset('mnist', { dataDir: sharedDataDir() });
  assert.equal(d.train.count, 60000);
  assert.equal(d.test.count, 10000);
  assert.deepEqual(d.inputShape, [1, 28, 28]);
  assert.equal(featureSize(d.train), 784);
  // Kept as the files' bytes; read as normalised float32.
  assert.equal(d.train.pixels?.bytes.length, 60000 * 784);
  assert.equal(d.test.pixels?.bytes.length, 10000 * 784);
  const x = featureMatrix(d.train);
  assert.equal(x.length, 60000 * 784);
  assert.equal(featureMatrix(d.test).length, 10000 * 784);
  assert.deepEqual(classCounts(d.train.y, 10), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(classCounts(d.test.y, 10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.deepEqual([...d.train.y.subarray(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  // Standardised with the train statistics (mean 0.1307, std 0.3081 on [0,1]).
  let sum = 0;
  let sumSq = 0;
  for (const v of x) {
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / x.length;
  assert.ok(Math.abs(mean) < 1e-4, `train mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(sumSq / x.length - mean * mean) - 1) < 1e-4);
  assert.ok(Math.abs(x[0] - (0 - 0.1307) / 0.3081) < 1e-3);
  assert.deepEqual(valueRange(d.train), [-0.4240739047527313, 2.8215434551239014]);
  assert.ok(d.notes.some((n) => n.includes('0.1307') && n.includes('0.3081')));
});

test('MNIST inputs are bit-identical to the up-front float32 normalisation they replace', async () => {
  const d = await loadDataset('mnist', { dataDir: sharedDataDir() });
  const raw = readMnist(mnistDir);
  // The fitted statistics, to the last bit (the histogram pass must count every byte).
  const stats = channelStats(raw.train);
  assert.deepEqual(stats, { mean: [0.1306604762738429], std: [0.3081078038564627] });
  // What loading used to store for every pixel: the float32 of (v/255 - mean) / std.
  const old = (v: number): number => Math.fround((v / 255 - stats.mean[0]) / stats.std[0]);
  // Known values of train example 1 (a 0), pixels 152-159 and 300, as the float32 loader wrote them.
  const picks = [152, 153, 154, 155, 156, 157, 158, 159, 300];
  const pinned = [-0.4240739047527313, -0.4240739047527313, 0.18686582148075104, 2.6051688194274902, 2.7833595275878906,
    2.7833595275878906, 2.7833595275878906, 2.5924408435821533, 2.7960875034332275];
  assert.deepEqual(picks.map((k) => old(raw.train.pixels[784 + k])), pinned);
  // A shuffled training batch, an unshuffled evaluation batch, the whole matrix and batchFrom-style copies agree.
  const loader = new DataLoader(d.train, { batchSize: 128 });
  const batch = loader.epoch(new Rng(7)).next().value!;
  assert.equal(batch.x.length, 128 * 784);
  for (let i = 0; i < batch.size; i++) {
    const n = batch.indices[i];
    assert.equal(batch.y[i], raw.train.labels[n]);
    for (let k = 0; k < 784; k++) assert.equal(batch.x[i * 784 + k], old(raw.train.pixels[n * 784 + k]), `train ${n} pixel ${k}`);
  }
  const first = new DataLoader(d.train, { batchSize: 2, shuffle: false }).epoch().next().value!;
  assert.deepEqual(picks.map((k) => first.x[784 + k]), pinned);
  let n = 0;
  for (const evalBatch of new DataLoader(d.test, { batchSize: 500, shuffle: false }).epoch()) {
    for (let i = 0; i < evalBatch.size; i++, n++) {
      if (n % 97 !== 0) continue;
      for (let k = 0; k < 784; k++) assert.equal(evalBatch.x[i * 784 + k], old(raw.test.pixels[n * 784 + k]), `test ${n} pixel ${k}`);
    }
  }
  assert.equal(n, 10000);
  const all = featureMatrix(d.test);
  assert.ok(all.every((v, i) => v === old(raw.test.pixels[i])), 'featureMatrix of test');
  const some = new Float32Array(3 * 784);
  copyExamples(d.train, [59999, 1, 59999], some);
  assert.deepEqual(picks.map((k) => some[784 + k]), pinned);
  assert.equal(some[300], 1.4469289779663086);
});
