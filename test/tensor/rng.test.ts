import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/tensor/rng.js';

describe('Rng', () => {
  it('gives the same stream for the same seed and different streams for different seeds', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    const c = new Rng(124);
    const sa = Array.from({ length: 50 }, () => a.nextUint32());
    const sb = Array.from({ length: 50 }, () => b.nextUint32());
    const sc = Array.from({ length: 50 }, () => c.nextUint32());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  it('restores a saved state exactly, including a pending normal', () => {
    const r = new Rng(9);
    r.normal();
    const state = r.getState();
    const expected = [r.normal(), r.uniform(), r.int(1000)];
    const s = new Rng(0);
    s.setState(state);
    assert.deepEqual([s.normal(), s.uniform(), s.int(1000)], expected);
  });

  it('draws uniform, integer and normal values with the right moments', () => {
    const r = new Rng(1);
    const n = 20000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    const counts = new Array(5).fill(0);
    for (let i = 0; i < n; i++) {
      su += r.uniform();
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      counts[r.int(5)]++;
    }
    assert.ok(Math.abs(su / n - 0.5) < 0.01);
    assert.ok(Math.abs(sn / n) < 0.03);
    assert.ok(Math.abs(sn2 / n - 1) < 0.05);
    for (const c of counts) assert.ok(Math.abs(c / n - 0.2) < 0.02);
  });

  it('permutes every index exactly once', () => {
    const p = new Rng(3).permutation(100);
    assert.deepEqual([...p].sort((x, y) => x - y), [...Array(100).keys()]);
    assert.notDeepEqual([...p], [...Array(100).keys()]);
  });
});
