/**
 * The complete CIFAR-100 and IMDB files: known records and reviews, counts per folder, and
 * the one-line errors for a real file cut short.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { loadDataset, readCifar100, readImdb } from '../../src/data/index.js';
import { MidlInputError } from '../../src/errors.js';
import { sharedDataDir, tempDir } from '../helpers.js';

const cifar100Dir = path.join(sharedDataDir(), 'cifar-100', 'cifar-100-binary');
const imdbArchive = path.join(sharedDataDir(), 'imdb', 'aclImdb_labelled.tar.gz');

test('CIFAR-100 train record 0: coarse label 11, fine label 19, known pixels', () => {
  const fine = readCifar100(cifar100Dir);
  const coarse = readCifar100(cifar100Dir, 'coarse');
  assert.equal(fine.train.labels[0], 19);
  assert.equal(coarse.train.labels[0], 11);
  const p = fine.train.pixels;
  assert.deepEqual([...p.subarray(0, 4)], [255, 255, 255, 255]);
  // Red plane, pixels 500-505 (row 15, columns 20-25), and the same pixels of the blue plane.
  assert.deepEqual([...p.subarray(500, 506)], [152, 146, 117, 120, 103, 68]);
  assert.deepEqual([...p.subarray(2048 + 500, 2048 + 506)], [89, 84, 52, 57, 53, 20]);
});

test('a CIFAR-100 train.bin cut inside a record is a one-line error naming it', async () => {
  const dir = tempDir();
  const head = Buffer.alloc(3074 * 2 + 1000);
  const fd = fs.openSync(path.join(cifar100Dir, 'train.bin'), 'r');
  fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  fs.writeFileSync(path.join(dir, 'train.bin'), head);
  fs.copyFileSync(path.join(cifar100Dir, 'test.bin'), path.join(dir, 'test.bin'));
  await assert.rejects(loadDataset('cifar100', { dataDir: dir }), (e: Error) =>
    e instanceof MidlInputError && /train\.bin: size 7148 is not a multiple of the 3074-byte record/.test(e.message) && !e.message.includes('\n'));
});

test('IMDB: 12,500 reviews in each of train/neg, train/pos, test/neg, test/pos; known reviews and labels', () => {
  const r = readImdb(path.dirname(imdbArchive));
  for (const split of ['train', 'test'] as const) {
    for (const label of [0, 1]) assert.equal(r[split].filter((x) => x.label === label).length, 12500, `${split} label ${label}`);
  }
  const trainPos0 = r.train.find((x) => x.id === 0 && x.label === 1)!;
  assert.equal(trainPos0.rating, 9);
  assert.ok(trainPos0.text.startsWith('Bromwell High is a cartoon comedy.'));
  const testNeg0 = r.test.find((x) => x.id === 0 && x.label === 0)!;
  assert.equal(testNeg0.rating, 2);
  assert.ok(testNeg0.text.startsWith('Once again Mr. Costner has dragged out a movie'));
  assert.ok(r.train.every((x) => (x.label === 1) === (x.rating >= 7)), 'pos reviews rate 7-10, neg 1-4');
});

test('the IMDB archive cut short: a truncated tar and a truncated gzip are one-line errors naming the file', async () => {
  const tar = zlib.gunzipSync(fs.readFileSync(imdbArchive));
  const dir = tempDir();
  // 1,000,000 bytes ends inside a member (members start on 512-byte blocks; 1e6 is not a multiple of 512).
  const cutTar = path.join(dir, 'aclImdb_cut.tar.gz');
  fs.writeFileSync(cutTar, zlib.gzipSync(tar.subarray(0, 1_000_000)));
  await assert.rejects(loadDataset('imdb', { dataDir: dir }), (e: Error) =>
    e instanceof MidlInputError && /aclImdb_cut\.tar\.gz: truncated tar archive/.test(e.message) && !e.message.includes('\n'));
  fs.rmSync(cutTar);
  const cutGzip = path.join(dir, 'aclImdb_labelled.tar.gz');
  fs.writeFileSync(cutGzip, fs.readFileSync(imdbArchive).subarray(0, 1_000_000));
  await assert.rejects(loadDataset('imdb', { dataDir: dir }), (e: Error) =>
    e instanceof MidlInputError && /aclImdb_labelled\.tar\.gz: corrupt gzip data/.test(e.message) && !e.message.includes('\n'));
});
