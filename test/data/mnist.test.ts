import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DataLoader, channelStats, classCounts, copyExamples, featureMatrix, featureSize, loadDataset, parseIdx, readMnist, valueRange } from '../../src/data/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { MidlInputError } from '../../src/errors.js';
import { sharedDataDir, tempDir } from '../helpers.js';

const mnistDir = path.join(sharedDataDir(), 'mnist');
const stems = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

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

test('MNIST reads uncompressed IDX files too, byte-identical to the gzipped ones', () => {
  const dir = tempDir();
  for (const stem of stems.slice(2)) fs.writeFileSync(path.join(dir, stem), zlib.gunzipSync(fs.readFileSync(path.join(mnistDir, `${stem}.gz`))));
  for (const stem of stems.slice(0, 2)) fs.copyFileSync(path.join(mnistDir, `${stem}.gz`), path.join(dir, `${stem}.gz`));
  const raw = readMnist(dir);
  assert.equal(raw.test.count, 10000);
  assert.deepEqual(raw.test.labels.subarray(0, 5), Int32Array.from([7, 2, 1, 0, 4]));
  assert.ok(raw.files[2].endsWith('t10k-images-idx3-ubyte'));
});

function damaged(stem: string, edit: (idx: Buffer) => Buffer, gzip = true): string {
  const dir = tempDir();
  for (const s of stems) {
    const src = path.join(mnistDir, `${s}.gz`);
    if (s !== stem) fs.copyFileSync(src, path.join(dir, `${s}.gz`));
  }
  const idx = edit(zlib.gunzipSync(fs.readFileSync(path.join(mnistDir, `${stem}.gz`))));
  fs.writeFileSync(path.join(dir, gzip ? `${stem}.gz` : stem), gzip ? zlib.gzipSync(idx, { level: 1 }) : idx);
  return dir;
}

function assertInputError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof MidlInputError, `expected MidlInputError, got ${err.name}: ${err.message}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

test('bad MNIST files are one-line errors naming the file', () => {
  assertInputError(() => readMnist(damaged('t10k-labels-idx1-ubyte', (b) => b.subarray(0, b.length - 7))), /t10k-labels-idx1-ubyte\.gz: truncated: header 10000 needs 10000 data bytes, found 9993/);
  assertInputError(() => readMnist(damaged('t10k-labels-idx1-ubyte', (b) => { const c = Buffer.from(b); c.writeUInt32BE(2051, 0); return c; })), /t10k-labels-idx1-ubyte\.gz: wrong IDX magic number 2051, expected 2049/);
  assertInputError(() => readMnist(damaged('t10k-images-idx3-ubyte', (b) => Buffer.concat([b, Buffer.alloc(3)]), false)), /t10k-images-idx3-ubyte: has trailing bytes/);
  assertInputError(() => readMnist(damaged('t10k-labels-idx1-ubyte', (b) => { const c = Buffer.from(b); c[100] = 12; return c; })), /label 12 at index 92 is not a digit/);
  const corrupt = damaged('t10k-labels-idx1-ubyte', (b) => b);
  const gz = fs.readFileSync(path.join(corrupt, 't10k-labels-idx1-ubyte.gz'));
  fs.writeFileSync(path.join(corrupt, 't10k-labels-idx1-ubyte.gz'), gz.subarray(0, gz.length - 40));
  assertInputError(() => readMnist(corrupt), /t10k-labels-idx1-ubyte\.gz: corrupt gzip data/);
  const missing = damaged('t10k-labels-idx1-ubyte', (b) => b);
  fs.rmSync(path.join(missing, 't10k-labels-idx1-ubyte.gz'));
  assertInputError(() => readMnist(missing), /t10k-labels-idx1-ubyte\.gz: file not found/);
  assertInputError(() => parseIdx(Buffer.from([0, 0]), 'x.idx', 2049), /x\.idx: truncated IDX file/);
});
