/** Splits held as sparse rows (IMDB's bag of words): batches, subsets and dense reads agree with the dense form. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DataLoader, batchInput, copyExamples, featureMatrix, featureSize, subsetSplit, validationSplit, valueRange, type SparseSplit } from '../../src/data/index.js';
import { denseRows, isSparseRows } from '../../src/nn/sparse.js';
import { Rng } from '../../src/tensor/rng.js';

/** 5 rows of width 4: row n holds n + 1 at column n % 4, and row 4 is empty. */
function toySparse(): SparseSplit {
  return {
    rows: { offsets: Int32Array.of(0, 1, 2, 4, 5, 5), indices: Int32Array.of(0, 1, 0, 2, 3), values: Float32Array.of(1, 2, 7, 3, 4), width: 4 },
    y: Int32Array.of(0, 1, 0, 1, 1), count: 5,
  };
}

const dense = [1, 0, 0, 0, 0, 2, 0, 0, 7, 0, 3, 0, 0, 0, 0, 4, 0, 0, 0, 0];

test('dense reads of a sparse split fill in the zeros', () => {
  const split = toySparse();
  assert.equal(featureSize(split), 4);
  assert.deepEqual([...featureMatrix(split)], dense);
  const out = new Float32Array(8).fill(9);
  copyExamples(split, [3, 2], out);
  assert.deepEqual([...out], [...dense.slice(12, 16), ...dense.slice(8, 12)]);
  assert.deepEqual(valueRange(split), [0, 7]);
});

test('shuffled batches carry their rows and the same values densely', () => {
  const split = toySparse();
  const rng = new Rng(3);
  const loader = new DataLoader(split, { batchSize: 2 });
  let seen = 0;
  for (const batch of loader.epoch(rng)) {
    assert.ok(batch.rows !== undefined);
    assert.deepEqual([...denseRows(batch.rows).data], [...batch.x]);
    batch.indices.forEach((n, i) => assert.deepEqual([...batch.x.subarray(i * 4, i * 4 + 4)], dense.slice(n * 4, n * 4 + 4)));
    const input = batchInput(batch, [4]);
    assert.ok(isSparseRows(input));
    seen += batch.size;
  }
  assert.equal(seen, 5);
});

test('subsets and validation splits of a sparse split stay sparse', () => {
  const split = toySparse();
  const sub = subsetSplit(split, [4, 2]);
  assert.ok(sub.rows !== undefined);
  assert.deepEqual([...featureMatrix(sub)], [...dense.slice(16, 20), ...dense.slice(8, 12)]);
  assert.deepEqual([...sub.y], [1, 0]);
  const { train, validation } = validationSplit(split, 0.4, new Rng(1));
  assert.equal(train.count + validation.count, 5);
  assert.ok(train.rows !== undefined && validation.rows !== undefined);
});
