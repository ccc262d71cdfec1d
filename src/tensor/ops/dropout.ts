/** Inverted dropout: zero each value with probability p, scale the rest by 1 / (1 - p). */
import type { Rng } from '../rng.js';
import { Tensor, accumulateGrad, result } from '../tensor.js';

export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const scale = 1 / (1 - p);
  const keep = new Float32Array(x.size);
  for (let i = 0; i < keep.length; i++) keep[i] = rng.uniform() >= p ? scale : 0;
  const out = x.data.map((v, i) => v * keep[i]);
  return result(out, x.shape, [x], (g) => accumulateGrad(x, g.map((v, i) => v * keep[i]), true));
}
