import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DataLoader, injectLabelNoise, limitTrain, validationSplit, type Split } from '../../src/data/index.js';
import { Rng } from '../../src/tensor/rng.js';

/** count examples of 2 features: x = [n, -n], y = n % 3, bag n holds n % 4 copies of id n. */
function toySplit(count: number): Split {
  const x = new Float32Array(count * 2);
  const offsets = new Int32Array(count + 1);
  const ids: number[] = [];
  for (let n = 0; n < count; n++) {
    x[2 * n] = n;
    x[2 * n + 1] = -n;
    for (let k = 0; k < n % 4; k++) ids.push(n);
    offsets[n + 1] = ids.length;
  }
  return { x, y: Int32Array.from({ length: count }, (_, n) => n % 3), count, tokens: { ids: Int32Array.from(ids), offsets } };
}

test('unshuffled batches are views, in order, with a short last batch unless dropLast', () => {
  const split = toySplit(10);
  const loader = new DataLoader(split, { batchSize: 4, shuffle: false });
  const batches = [...loader.epoch()];
  assert.deepEqual(batches.map((b) => b.size), [4, 4, 2]);
  assert.equal(batches[1].x.buffer, split.x.buffer);
  assert.deepEqual([...batches[2].x], [8, -8, 9, -9]);
  assert.equal(new DataLoader(split, { batchSize: 4, shuffle: false, dropLast: true }).numBatches, 2);
});

test('shuffled batches: every example once, reused buffers, token bags rebased', () => {
  const split = toySplit(11);
  const loader = new DataLoader(split, { batchSize: 4 });
  const seen: number[] = [];
  let buffer: ArrayBufferLike | undefined;
  for (const b of loader.epoch(new Rng(1))) {
    buffer ??= b.x.buffer;
    assert.equal(b.x.buffer, buffer, 'batches share one buffer');
    for (let i = 0; i < b.size; i++) {
      const n = b.x[2 * i];
      seen.push(n);
      assert.equal(b.y[i], n % 3);
      const bag = b.tokens!.ids.subarray(b.tokens!.offsets[i], b.tokens!.offsets[i + 1]);
      assert.deepEqual([...bag], new Array(n % 4).fill(n));
    }
  }
  assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 11 }, (_, i) => i));
});

test('shuffling is determined by the Rng; an interrupted epoch resumes identically', () => {
  const split = toySplit(50);
  const loader = new DataLoader(split, { batchSize: 8 });
  const firstValues = (rng: Rng): number[] => [...loader.epoch(rng)].map((b) => b.x[0]);
  assert.deepEqual(firstValues(new Rng(7)), firstValues(new Rng(7)));
  assert.notDeepEqual(firstValues(new Rng(7)), firstValues(new Rng(8)));
  const rng = new Rng(3);
  const saved = rng.getState();
  const full = [...loader.batches(loader.epochOrder(rng))].map((b) => Array.from(b.indices));
  const resumed = new Rng(0);
  resumed.setState(saved);
  const tail = [...loader.batches(loader.epochOrder(resumed), 4)].map((b) => Array.from(b.indices));
  assert.deepEqual(tail, full.slice(4));
});

test('validationSplit: deterministic, disjoint, complete, order kept', () => {
  const split = toySplit(20);
  const a = validationSplit(split, 0.25, new Rng(5));
  const b = validationSplit(split, 0.25, new Rng(5));
  assert.equal(a.validation.count, 5);
  assert.equal(a.train.count, 15);
  assert.deepEqual(a.validation.x, b.validation.x);
  const ids = (s: Split): number[] => Array.from({ length: s.count }, (_, i) => s.x[2 * i]);
  const all = [...ids(a.train), ...ids(a.validation)].sort((p, q) => p - q);
  assert.deepEqual(all, Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(ids(a.train), [...ids(a.train)].sort((p, q) => p - q));
  assert.equal(a.train.tokens!.offsets.length, 16);
});

test('injectLabelNoise flips exactly round(fraction*N) labels, each to a different class', () => {
  const labels = Int32Array.from({ length: 1001 }, (_, i) => i % 10);
  const noisy = injectLabelNoise(labels, 0.4, 10, new Rng(11));
  assert.notEqual(noisy, labels);
  assert.equal(noisy.filter((v, i) => v !== labels[i]).length, 400);
  assert.ok(noisy.every((v) => v >= 0 && v < 10));
  assert.deepEqual(noisy, injectLabelNoise(labels, 0.4, 10, new Rng(11)));
  assert.deepEqual(labels, Int32Array.from({ length: 1001 }, (_, i) => i % 10), 'input untouched');
  // Flipped labels spread over the other classes.
  const targets = new Set(Array.from(noisy).filter((v, i) => v !== labels[i] && labels[i] === 0));
  assert.equal(targets.size, 9);
});

test('limitTrain: first n, or a seeded random n in original order', () => {
  const split = toySplit(30);
  assert.deepEqual([...limitTrain(split, 3).y], [0, 1, 2]);
  const a = limitTrain(split, 6, new Rng(2));
  assert.equal(a.count, 6);
  assert.deepEqual(a.x, limitTrain(split, 6, new Rng(2)).x);
  assert.equal(limitTrain(split, 100), split);
});
