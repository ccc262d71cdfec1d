import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { classCounts, loadDataset, type Dataset } from '../../src/data/index.js';
import { sharedDataDir } from '../helpers.js';

let loaded: Promise<Dataset> | undefined;
const imdb = (): Promise<Dataset> => (loaded ??= loadDataset('imdb', { dataDir: sharedDataDir() }));

test('IMDB from the real tar.gz: counts, balance, labels, vocabulary, token bags', async () => {
  const d = await imdb();
  assert.equal(d.train.count, 25000);
  assert.equal(d.test.count, 25000);
  assert.deepEqual(classCounts(d.train.y, 2), [12500, 12500]);
  assert.deepEqual(classCounts(d.test.y, 2), [12500, 12500]);
  assert.deepEqual(d.inputShape, [10000]);
  assert.ok(d.train.x !== undefined, 'IMDB splits are dense');
  assert.equal(d.train.x.length, 25000 * 10000);
  assert.ok(d.files[0].endsWith('aclImdb_labelled.tar.gz'));
  const tokens = d.train.tokens!;
  assert.equal(tokens.offsets.length, 25001);
  assert.equal(tokens.offsets[25000], tokens.ids.length);
  // Binary bag of words agrees with the token ids of the first review.
  const first = new Set(tokens.ids.subarray(tokens.offsets[0], tokens.offsets[1]));
  const row = d.train.x.subarray(0, 10000);
  assert.equal(row.reduce((a, v) => a + v, 0), first.size);
  for (const id of first) assert.equal(row[id], 1);
  assert.ok(tokens.ids.every((id) => id >= 0 && id < 10000));
});
