import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { classCounts, fitAdultEncoding, loadDataset, readAdult } from '../../src/data/index.js';
import { sharedDataDir } from '../helpers.js';

const adultDir = path.join(sharedDataDir(), 'adult');

test('Adult: row and label counts from SOURCE.md, test quirks handled', () => {
  const raw = readAdult(adultDir);
  assert.equal(raw.train.count, 32561);
  assert.equal(raw.test.count, 16281);
  assert.deepEqual(classCounts(raw.train.labels, 2), [24720, 7841]);
  assert.deepEqual(classCounts(raw.test.labels, 2), [12435, 3846]);
  const withMissing = (rows: string[][]): number => rows.filter((r) => r.includes('?')).length;
  assert.equal(withMissing(raw.train.rows), 2399);
  assert.equal(withMissing(raw.test.rows), 1221);
});

test('Adult dataset: one-hot categories with "missing", numeric columns standardised on train', async () => {
  const d = await loadDataset('adult', { dataDir: sharedDataDir() });
  assert.deepEqual(d.inputShape, [108]);
  assert.ok(d.train.x !== undefined && d.test.x !== undefined, 'Adult splits are dense');
  assert.equal(d.train.x.length, 32561 * 108);
  assert.deepEqual(d.classNames, ['<=50K', '>50K']);
  // Each of the 8 categorical blocks is one-hot.
  assert.equal(Array.from(d.test.x.subarray(0, 108)).filter((v) => v === 1).length, 8);
  // age is feature 0: mean 0 and std 1 over train.
  let sum = 0;
  let sumSq = 0;
  for (let n = 0; n < d.train.count; n++) {
    const v = d.train.x[n * 108];
    sum += v;
    sumSq += v * v;
  }
  assert.ok(Math.abs(sum / d.train.count) < 1e-5);
  assert.ok(Math.abs(sumSq / d.train.count - 1) < 1e-4);
  const enc = fitAdultEncoding(readAdult(adultDir).train);
  assert.ok(enc.featureNames.includes('workclass=missing'));
  assert.ok(enc.featureNames.includes('native-country=missing'));
  assert.equal(enc.featureNames.length, 108);
});
