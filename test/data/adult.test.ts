import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fitAdultEncoding, loadDataset, parseAdult, readAdult } from '../../src/data/index.js';
import { MidlInputError } from '../../src/errors.js';
import { fixtureDataDir, tempDir } from '../helpers.js';

const adultDir = path.join(fixtureDataDir, 'adult');

test('Adult: the first rows of the real files, the test file\'s header line and label dots handled', async () => {
  const raw = readAdult(adultDir);
  assert.equal(raw.train.count, 2000);
  assert.equal(raw.test.count, 1000);
  assert.deepEqual([...raw.train.labels.subarray(0, 10)], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual([...raw.test.labels.subarray(0, 5)], [0, 0, 1, 1, 0]);
  const enc = fitAdultEncoding(raw.train);
  const d = await loadDataset('adult', { dataDir: fixtureDataDir });
  assert.deepEqual(d.inputShape, [enc.featureNames.length]);
  assert.deepEqual(d.classNames, ['<=50K', '>50K']);
  const f = enc.featureNames.length;
  assert.ok(d.train.x !== undefined && d.test.x !== undefined, 'Adult splits are dense');
  // Each of the 8 categorical blocks is one-hot; age (feature 0) has mean 0 and std 1 over train.
  assert.equal(Array.from(d.train.x.subarray(0, f)).filter((v) => v === 1).length, 8);
  let sum = 0;
  let sumSq = 0;
  for (let n = 0; n < d.train.count; n++) {
    sum += d.train.x[n * f];
    sumSq += d.train.x[n * f] ** 2;
  }
  assert.ok(Math.abs(sum / d.train.count) < 1e-5);
  assert.ok(Math.abs(sumSq / d.train.count - 1) < 1e-4);
});

test('bad Adult rows are one-line errors naming file and line', () => {
  const row = '39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K';
  const expectError = (text: string, pattern: RegExp): void => {
    assert.throws(() => parseAdult(text, 'adult.data'), (e: Error) => e instanceof MidlInputError && pattern.test(e.message));
  };
  expectError(`${row}\n${row.replace(', 40,', ',')}\n`, /adult\.data:2: expected 15 fields, found 14/);
  expectError(`${row}\n${row.replace('77516', 'lots')}\n`, /adult\.data:2: fnlwgt 'lots' is not a number/);
  expectError(`${row.replace('<=50K', 'rich')}\n`, /adult\.data:1: unknown income label 'rich'/);
  expectError('\n\n', /adult\.data: no data rows/);
  const parsed = parseAdult(`|1x3 Cross validator\n${row.replace('<=50K', '>50K.')}\n\n`, 'adult.test');
  assert.equal(parsed.count, 1);
  assert.deepEqual([...parsed.labels], [1]);
  const dir = tempDir();
  fs.copyFileSync(path.join(adultDir, 'adult.data'), path.join(dir, 'adult.data'));
  assert.throws(() => readAdult(dir), (e: Error) => e instanceof MidlInputError && /adult\.test: file not found/.test(e.message));
});
