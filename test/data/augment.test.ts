/** Seeded random crop and flip of image batches. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DataLoader, augmentBatch, type ImageSplit, type PixelBytes } from '../../src/data/index.js';
import { Rng } from '../../src/tensor/rng.js';

/** One 2-channel 4x4 image whose pixel bytes are 1..32; the table maps byte v to v (channel 0) or -v (channel 1). */
function tinyPixels(count: number): PixelBytes {
  const bytes = new Uint8Array(count * 32);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i % 32) + 1;
  const table = new Float32Array(512);
  for (let v = 0; v < 256; v++) {
    table[v] = v;
    table[256 + v] = -v;
  }
  return { bytes, shape: [2, 4, 4], table };
}

/** The image of tinyPixels shifted by (dy, dx), then mirrored when flip, black (byte 0) outside. */
function expected(dy: number, dx: number, flip: boolean): number[] {
  const out: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let y = 0; y < 4; y++) {
      for (let col = 0; col < 4; col++) {
        const sy = y + dy;
        const sx = (flip ? 3 - col : col) + dx;
        const v = sy >= 0 && sy < 4 && sx >= 0 && sx < 4 ? c * 16 + sy * 4 + sx + 1 : 0;
        out.push(c === 0 ? v : -v);
      }
    }
  }
  return out;
}

function augmented(count: number, padding: number, flip: boolean, seed: number): Float32Array {
  const pixels = tinyPixels(count);
  const x = new Float32Array(count * 32);
  for (let i = 0; i < x.length; i++) x[i] = pixels.table[(Math.floor(i / 16) % 2) * 256 + pixels.bytes[i]];
  augmentBatch(x, count, pixels, { padding, flip }, new Rng(seed));
  return x;
}

/** Which (dy, dx, flip) each augmented image is; fails if one is none of them. */
function transforms(x: Float32Array, count: number, padding: number): string[] {
  const found: string[] = [];
  for (let n = 0; n < count; n++) {
    const image = [...x.subarray(n * 32, (n + 1) * 32)];
    const match: string[] = [];
    for (let dy = -padding; dy <= padding; dy++) {
      for (let dx = -padding; dx <= padding; dx++) {
        for (const flip of [false, true]) if (expected(dy, dx, flip).every((v, i) => v === image[i])) match.push(`${dy},${dx},${flip}`);
      }
    }
    assert.ok(match.length > 0, `image ${n} is no shift or flip of the original`);
    found.push(match[0]);
  }
  return found;
}

test('random crop with padding 1 and flip: every image a shift (and maybe mirror) of the original, all 18 occur', () => {
  const x = augmented(400, 1, true, 11);
  const seen = new Set(transforms(x, 400, 1));
  assert.equal(seen.size, 18);
});

test('without flip (SVHN digits) no image is mirrored', () => {
  const x = augmented(300, 2, false, 12);
  assert.ok(transforms(x, 300, 2).every((t) => t.endsWith('false')));
});

test('augmentation is fixed by the seed and changes with it', () => {
  assert.deepEqual(augmented(50, 4, true, 13), augmented(50, 4, true, 13));
  assert.notDeepEqual(augmented(50, 4, true, 13), augmented(50, 4, true, 14));
});

test('DataLoader augments image batches from its augmentRng and refuses non-image splits', () => {
  const split: ImageSplit = { pixels: tinyPixels(20), y: new Int32Array(20), count: 20 };
  const epoch = (seed: number): number[] => {
    const rng = new Rng(seed);
    const loader = new DataLoader(split, { batchSize: 8, augment: { padding: 1, flip: true }, augmentRng: rng });
    return [...loader.epoch(rng)].flatMap((b) => [...b.x]);
  };
  assert.deepEqual(epoch(5), epoch(5));
  const plain = [...new DataLoader(split, { batchSize: 20, shuffle: false }).epoch()][0].x;
  assert.notDeepEqual(epoch(5).slice(0, 32), [...plain.subarray(0, 32)]);
  assert.throws(() => new DataLoader({ x: new Float32Array(4), y: new Int32Array(2), count: 2 }, { batchSize: 1, augment: { padding: 1, flip: false }, augmentRng: new Rng(1) }), /needs an image split/);
});
