/** Input corruption for the robustness study: additive Gaussian noise in normalized input units. */
import { featureMatrix } from '../data/split.js';
import type { DenseSplit, Split } from '../data/types.js';
import type { Rng } from '../tensor/rng.js';

/**
 * A copy of the split whose inputs carry N(0, sigma^2) noise (labels and tokens shared). The
 * noisy inputs are float32 whatever the split held (an image split's bytes are decoded first).
 */
export function withGaussianNoise(split: Split, sigma: number, rng: Rng): Split {
  if (!(sigma >= 0)) throw new RangeError(`input noise must be >= 0, got ${sigma}`);
  if (sigma === 0) return split;
  const x = featureMatrix(split);
  for (let i = 0; i < x.length; i++) x[i] = x[i] + sigma * rng.normal();
  const noisy: DenseSplit = { x, y: split.y, count: split.count };
  if (split.tokens !== undefined) noisy.tokens = split.tokens;
  return noisy;
}
