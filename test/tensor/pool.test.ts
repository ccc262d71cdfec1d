/** The buffer pool (src/tensor/pool.ts) and the graph release that feeds it. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { adopt, allocate, recycle, sharesMemory } from '../../src/tensor/pool.js';
import { linear } from '../../src/tensor/ops/linalg.js';
import { relu } from '../../src/tensor/ops/activations.js';
import { sum } from '../../src/tensor/ops/reduce.js';
import { Tensor, releaseGraph } from '../../src/tensor/tensor.js';

const POOLED = 20_000; // above the pool's 16,384-float threshold

describe('buffer pool', () => {
  test('small buffers: zeroed, never overlapping, 64-byte spaced views of shared slabs', () => {
    const views: Float32Array[] = [];
    for (let i = 0; i < 3000; i++) views.push(allocate(1 + (i % 97) * 5)); // fills several slabs
    for (const v of views) assert.ok(v.every((x) => x === 0));
    views.forEach((v, i) => v.fill(i + 1));
    views.forEach((v, i) => assert.ok(v.every((x) => x === i + 1), `view ${i} was overwritten`));
    assert.ok(views.every((v) => v.byteOffset % 64 === 0));
    const slabs = new Set(views.map((v) => v.buffer));
    assert.ok(slabs.size > 1 && slabs.size < views.length);
    for (let i = 1; i < views.length; i++) assert.equal(sharesMemory(views[i - 1], views[i]), false);
    recycle(views[0]); // small buffers are not pooled: returning one is ignored
    assert.notEqual(allocate(views[0].length), views[0]);
  });

  test('sharesMemory: views that overlap, not views that only share a buffer', () => {
    const whole = new Float32Array(100);
    assert.ok(sharesMemory(whole, whole.subarray(10, 20)));
    assert.ok(sharesMemory(whole.subarray(0, 11), whole.subarray(10, 20)));
    assert.equal(sharesMemory(whole.subarray(0, 10), whole.subarray(10, 20)), false);
    assert.equal(sharesMemory(whole, new Float32Array(100)), false);
  });

  test('a recycled buffer comes back zeroed', () => {
    const a = allocate(POOLED);
    a.fill(7);
    recycle(a);
    const b = allocate(POOLED);
    assert.equal(b, a);
    assert.ok(b.every((v) => v === 0));
    recycle(b);
  });

  test('buffers it did not hand out, and second returns, are ignored', () => {
    const foreign = new Float32Array(POOLED + 1);
    recycle(foreign);
    assert.notEqual(allocate(POOLED + 1), foreign);
    const once = allocate(POOLED + 2);
    recycle(once);
    recycle(once);
    const first = allocate(POOLED + 2);
    const second = allocate(POOLED + 2);
    assert.equal(first, once);
    assert.notEqual(second, once);
  });

  test('an adopted buffer is never recycled', () => {
    const kept = allocate(POOLED + 3);
    adopt(kept);
    recycle(kept);
    assert.notEqual(allocate(POOLED + 3), kept);
  });

  test('small buffers are plain arrays', () => {
    const small = allocate(10);
    small[0] = 1;
    recycle(small);
    assert.equal(allocate(10)[0], 0);
  });
});

describe('releaseGraph', () => {
  test('returns a step\'s intermediates and keeps the parameters and their gradients', () => {
    const B = 64, inF = 8, outF = 512; // outputs of 32,768 floats: pooled
    const x = new Tensor(Float32Array.from({ length: B * inF }, (_, i) => Math.sin(i)), [B, inF]);
    const weight = new Tensor(Float32Array.from({ length: outF * inF }, (_, i) => Math.cos(i)), [outF, inF], true);
    const hidden = relu(linear(x, weight, null));
    const loss = sum(hidden);
    loss.backward();
    const gradBefore = (weight.grad as Float32Array).slice();
    const weightBefore = weight.data.slice();
    const used = new Set([hidden.data]);
    releaseGraph(loss);
    assert.equal(hidden.node, null, 'the graph is cut');
    // The next step's allocations of that size reuse the released values' buffers.
    const next = [allocate(B * outF), allocate(B * outF)];
    assert.ok(next.some((b) => used.has(b)), 'a released buffer is reused');
    for (const b of next) b.fill(1);
    assert.deepEqual(weight.grad, gradBefore, 'the parameter gradient is untouched');
    assert.deepEqual(weight.data, weightBefore, 'the parameter is untouched');
    for (const b of next) recycle(b);
  });
});
