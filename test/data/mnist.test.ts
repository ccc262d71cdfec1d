import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { featureMatrix, featureSize, loadDataset, parseIdx, readMnist } from '../../src/data/index.js';
import { MidlInputError } from '../../src/errors.js';
import { fixtureDataDir, tempDir } from '../helpers.js';

const mnistDir = path.join(fixtureDataDir, 'mnist');
const stems = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

test('MNIST loads the first 1,000 train and 500 test images of the real files, standardised on train', async () => {
  const d = await loadDataset('mnist', { dataDir: fixtureDataDir });
  assert.equal(d.train.count, 1000);
  assert.equal(d.test.count, 500);
  assert.deepEqual(d.inputShape, [1, 28, 28]);
  assert.equal(featureSize(d.train), 784);
  assert.equal(d.train.pixels?.bytes.length, 1000 * 784, 'kept as bytes');
  assert.deepEqual([...d.train.y.subarray(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual([...d.test.y.subarray(0, 5)], [7, 2, 1, 0, 4]);
  const x = featureMatrix(d.train);
  let sum = 0;
  let sumSq = 0;
  for (const v of x) {
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / x.length;
  assert.ok(Math.abs(mean) < 1e-4, `train mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(sumSq / x.length - mean * mean) - 1) < 1e-4);
});

test('MNIST reads uncompressed IDX files too, byte-identical to the gzipped ones', () => {
  const dir = tempDir();
  for (const stem of stems.slice(2)) fs.writeFileSync(path.join(dir, stem), zlib.gunzipSync(fs.readFileSync(path.join(mnistDir, `${stem}.gz`))));
  for (const stem of stems.slice(0, 2)) fs.copyFileSync(path.join(mnistDir, `${stem}.gz`), path.join(dir, `${stem}.gz`));
  const raw = readMnist(dir);
  assert.equal(raw.test.count, 500);
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
  assertInputError(() => readMnist(damaged('t10k-labels-idx1-ubyte', (b) => b.subarray(0, b.length - 7))), /t10k-labels-idx1-ubyte\.gz: truncated: header 500 needs 500 data bytes, found 493/);
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
