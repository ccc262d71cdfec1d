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
  const rows = d.train.rows!;
  assert.ok(rows !== undefined, 'IMDB splits are sparse rows');
  assert.equal(rows.width, 10000);
  assert.equal(rows.offsets.length, 25001);
  assert.ok(d.files[0].endsWith('aclImdb_labelled.tar.gz'));
  const tokens = d.train.tokens!;
  assert.equal(tokens.offsets.length, 25001);
  assert.equal(tokens.offsets[25000], tokens.ids.length);
  // Binary bag of words agrees with the token ids of the first review: each distinct id once, ascending, value 1.
  const first = [...new Set(tokens.ids.subarray(tokens.offsets[0], tokens.offsets[1]))].sort((a, b) => a - b);
  assert.deepEqual([...rows.indices.subarray(rows.offsets[0], rows.offsets[1])], first);
  assert.ok(rows.values.every((v) => v === 1));
  assert.ok(tokens.ids.every((id) => id >= 0 && id < 10000));
});
