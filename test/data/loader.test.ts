import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  DataLoader, copyExamples, featureMatrix, featureSize, injectLabelNoise, limitTrain, subsetSplit, validationSplit, valueRange,
  type DenseSplit, type ImageSplit, type Split,
} from '../../src/data/index.js';
import { Rng } from '../../src/tensor/rng.js';

/** count examples of 2 features: x = [n, -n], y = n % 3, bag n holds n % 4 copies of id n. */
function toySplit(count: number): DenseSplit {
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
  const ids = (s: Split): number[] => Array.from({ length: s.count }, (_, i) => featureMatrix(s)[2 * i]);
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

/**
 * count 2x2x3 (CHW) images whose bytes are (7n + 3c + k) mod 256, with a table mapping byte v of
 * channel c to (v - 10c) / (c + 1), and the same images as a dense split of the decoded values.
 */
function toyImages(count: number): { images: ImageSplit; dense: DenseSplit } {
  const bytes = Uint8Array.from({ length: count * 12 }, (_, i) => (7 * Math.floor(i / 12) + 3 * Math.floor((i % 12) / 4) + (i % 4)) % 256);
  const table = Float32Array.from({ length: 3 * 256 }, (_, i) => ((i % 256) - 10 * Math.floor(i / 256)) / (Math.floor(i / 256) + 1));
  const y = Int32Array.from({ length: count }, (_, n) => n % 3);
  const x = Float32Array.from(bytes, (v, i) => table[Math.floor((i % 12) / 4) * 256 + v]);
  return { images: { pixels: { bytes, shape: [3, 2, 2], table }, y, count }, dense: { x, y, count } };
}

test('image splits: batches, copies and subsets decode bytes to the values of the equivalent dense split', () => {
  const { images, dense } = toyImages(23);
  assert.equal(featureSize(images), 12);
  assert.deepEqual(featureMatrix(images), dense.x);
  assert.notEqual(featureMatrix(dense), dense.x, 'featureMatrix always returns a new array');
  assert.deepEqual(valueRange(images), valueRange(dense));
  for (const shuffle of [false, true]) {
    // Batches are compared as they come: the next one reuses the buffer.
    const a = new DataLoader(images, { batchSize: 5, shuffle }).epoch(new Rng(9));
    const b = new DataLoader(dense, { batchSize: 5, shuffle }).epoch(new Rng(9));
    let batches = 0;
    for (const batch of a) {
      const expected = b.next().value!;
      assert.deepEqual([...batch.x], [...expected.x], `shuffle ${shuffle} batch ${batches}`);
      assert.deepEqual([...batch.y], [...expected.y]);
      assert.deepEqual(batch.indices, expected.indices);
      batches++;
    }
    assert.equal(batches, 5);
  }
  const out = new Float32Array(3 * 12);
  copyExamples(images, [22, 0, 22], out);
  assert.deepEqual(out, Float32Array.from([...dense.x.subarray(22 * 12), ...dense.x.subarray(0, 12), ...dense.x.subarray(22 * 12)]));
  assert.throws(() => copyExamples(images, [0, 1], new Float32Array(23)), RangeError);
  const sub = subsetSplit(images, [4, 2, 19]);
  assert.ok(sub.pixels !== undefined, 'a subset of an image split stays bytes');
  assert.deepEqual(featureMatrix(sub), featureMatrix(subsetSplit(dense, [4, 2, 19])));
  const v = validationSplit(images, 0.3, new Rng(1));
  assert.deepEqual(featureMatrix(v.validation), featureMatrix(validationSplit(dense, 0.3, new Rng(1)).validation));
  assert.deepEqual(featureMatrix(limitTrain(images, 6, new Rng(2))), featureMatrix(limitTrain(dense, 6, new Rng(2))));
  assert.deepEqual(valueRange({ ...images, count: 0, pixels: { ...images.pixels, bytes: new Uint8Array(0) } }), [0, 0]);
  // Bytes not on a 4-byte boundary (read one at a time) decode the same.
  const unaligned = new Uint8Array(images.pixels.bytes.length + 1).subarray(1);
  unaligned.set(images.pixels.bytes);
  assert.deepEqual(featureMatrix({ ...images, pixels: { ...images.pixels, bytes: unaligned } }), dense.x);
});
