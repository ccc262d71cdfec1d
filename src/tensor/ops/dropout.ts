/** Inverted dropout: zero each value with probability p, scale the rest by 1 / (1 - p). */
import type { Rng } from '../rng.js';
import { Tensor, accumulateGrad, result } from '../tensor.js';
import { allocate } from '../pool.js';

export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const scale = 1 / (1 - p);
  const keep = new Float32Array(x.size);
  const out = allocate(x.size);
  const values = x.data;
  // One draw per value, in order. Plain loops, because a typed-array map with a closure is
  // slow enough to show in training time (1.6x on a 2-epoch MNIST dropout run).
  for (let i = 0; i < keep.length; i++) {
    const k = rng.uniform() >= p ? scale : 0;
    keep[i] = k;
    out[i] = values[i] * k;
  }
  return result(out, x.shape, [x], (g) => {
    const dx = allocate(g.length);
    for (let i = 0; i < g.length; i++) dx[i] = g[i] * keep[i];
    accumulateGrad(x, dx, true);
  });
}
