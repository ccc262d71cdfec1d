/** Input corruption for the robustness study: additive Gaussian noise in normalized input units. */
import type { Split } from '../data/types.js';
import type { Rng } from '../tensor/rng.js';

/** A copy of the split whose inputs carry N(0, sigma^2) noise (labels and tokens shared). */
export function withGaussianNoise(split: Split, sigma: number, rng: Rng): Split {
  if (!(sigma >= 0)) throw new RangeError(`input noise must be >= 0, got ${sigma}`);
  if (sigma === 0) return split;
  const x = new Float32Array(split.x.length);
  for (let i = 0; i < x.length; i++) x[i] = split.x[i] + sigma * rng.normal();
  return { ...split, x };
}
