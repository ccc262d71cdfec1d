import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDataset } from '../../src/data/load.js';
import { batchFrom, batchIndices } from '../../src/experiments/latency.js';
import { fixtureDataDir } from '../helpers.js';

describe('latency inputs', () => {
  it('draws a batch across a split sorted by label (IMDB test: negative reviews first), the same every time', async () => {
    const data = await loadDataset('imdb', { dataDir: fixtureDataDir });
    const labels = Array.from(data.test.y.subarray(0, 50));
    assert.deepEqual(new Set(labels), new Set([0]), 'the split starts with one label');
    const drawn = batchIndices(data.test.count, 64);
    assert.equal(new Set(Array.from(drawn, (i) => data.test.y[i])).size, 2);
    assert.equal(new Set(drawn).size, 64, 'no example twice');
    assert.deepEqual(batchIndices(data.test.count, 64), drawn);
    const cycled = batchIndices(3, 7);
    assert.deepEqual(Array.from(cycled.subarray(3)), [...Array.from(cycled.subarray(0, 3)), cycled[0]]);
    const x = batchFrom(data.test, data.inputShape, 2);
    assert.deepEqual(x.shape, [2, ...data.inputShape]);
    assert.deepEqual(x.data, batchFrom(data.test, data.inputShape, 2).data);
  });
});
