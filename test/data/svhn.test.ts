import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { classCounts, featureMatrix, loadDataset, parseMat, readSvhn, readSvhnFile } from '../../src/data/index.js';
import { MidlInputError } from '../../src/errors.js';
import { fixtureDataDir, tempDir } from '../helpers.js';

const svhnDir = path.join(fixtureDataDir, 'svhn');
const trainMat = fs.readFileSync(path.join(svhnDir, 'train_32x32.mat'));

test('SVHN: the sample labels from SOURCE.md, with 10 read as digit 0', () => {
  const raw = readSvhn(svhnDir);
  assert.equal(raw.train.count, 15);
  assert.equal(raw.test.count, 2);
  assert.deepEqual([...raw.train.labels], [7, 6, 2, 8, 1, 9, 8, 8, 9, 5, 2, 2, 1, 6, 9]);
  assert.deepEqual([...raw.test.labels], [6, 7]);
  assert.deepEqual(classCounts(raw.train.labels, 10), [0, 2, 3, 0, 0, 1, 2, 1, 3, 3]);
});

test('SVHN images are transposed from column-major HWC to CHW', () => {
  const X = parseMat(trainMat, 'train_32x32.mat').get('X')!;
  assert.deepEqual(X.dims, [32, 32, 3, 15]);
  const raw = readSvhnFile(path.join(svhnDir, 'train_32x32.mat'));
  for (const [r, c, ch, n] of [[0, 0, 0, 0], [3, 17, 1, 4], [31, 0, 2, 14], [5, 30, 0, 9]]) {
    assert.equal(raw.pixels[n * 3072 + ch * 1024 + r * 32 + c], X.data[r + 32 * c + 1024 * ch + 3072 * n]);
  }
});

test('SVHN dataset: 3x32x32 standardised on train', async () => {
  const d = await loadDataset('svhn', { dataDir: fixtureDataDir });
  assert.deepEqual(d.inputShape, [3, 32, 32]);
  const x = featureMatrix(d.train);
  assert.equal(x.length, 15 * 3072);
  for (let c = 0; c < 3; c++) {
    const plane = Array.from({ length: 15 }, (_, n) => x.subarray(n * 3072 + c * 1024, n * 3072 + (c + 1) * 1024)).flatMap((a) => [...a]);
    const mean = plane.reduce((a, b) => a + b, 0) / plane.length;
    assert.ok(Math.abs(mean) < 1e-4);
  }
});

/** The file rewritten with every top-level element wrapped in a zlib miCOMPRESSED element, as MATLAB -v7 writes. */
function compressMat(buf: Buffer): Buffer {
  const parts = [buf.subarray(0, 128)];
  let offset = 128;
  while (offset < buf.length) {
    const size = buf.readUInt32LE(offset + 4);
    const element = buf.subarray(offset, offset + 8 + Math.ceil(size / 8) * 8);
    const packed = zlib.deflateSync(element);
    const tag = Buffer.alloc(8);
    tag.writeUInt32LE(15, 0);
    tag.writeUInt32LE(packed.length, 4);
    parts.push(tag, packed);
    offset += element.length;
  }
  return Buffer.concat(parts);
}

test('compressed (miCOMPRESSED) MAT-files read the same as uncompressed ones', () => {
  const dir = tempDir();
  const file = path.join(dir, 'train_32x32.mat');
  fs.writeFileSync(file, compressMat(trainMat));
  assert.ok(fs.statSync(file).size < trainMat.length);
  const a = readSvhnFile(file);
  const b = readSvhnFile(path.join(svhnDir, 'train_32x32.mat'));
  assert.deepEqual(a.labels, b.labels);
  assert.ok(Buffer.from(a.pixels).equals(Buffer.from(b.pixels)));
});

test('bad MAT-files are one-line errors naming the file', () => {
  const dir = tempDir();
  const write = (name: string, data: Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, data);
    return file;
  };
  const expectError = (file: string, pattern: RegExp): void => {
    assert.throws(() => readSvhnFile(file), (e: Error) => e instanceof MidlInputError && pattern.test(e.message) && e.message.startsWith(file) && !e.message.includes('\n'));
  };
  expectError(write('v4.mat', Buffer.alloc(400)), /not a MATLAB level-5 MAT-file/);
  const v73 = Buffer.from(trainMat);
  v73.write('MATLAB 7.3 MAT-file', 0, 'latin1');
  expectError(write('v73.mat', v73), /MATLAB 7\.3 \(HDF5\)/);
  expectError(write('truncated.mat', trainMat.subarray(0, 20000)), /truncated MAT-file/);
  // Renaming X to Z leaves the file valid but without X.
  const noX = Buffer.from(trainMat);
  const nameAt = noX.indexOf(Buffer.from([1, 0, 1, 0, 0x58]));
  noX[nameAt + 4] = 0x5a;
  expectError(write('nox.mat', noX), /no array named X/);
  const corrupt = compressMat(trainMat);
  corrupt.fill(0x55, 200, 260);
  expectError(write('corrupt.mat', corrupt), /corrupt compressed element/);
  fs.rmSync(path.join(dir, 'nox.mat'));
  expectError(path.join(dir, 'nox.mat'), /file not found/);
});
