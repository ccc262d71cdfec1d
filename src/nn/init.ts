/** Initializations as torch.nn does them by default. */
import type { Rng } from '../tensor/rng.js';

/**
 * PyTorch's default for Linear and Conv weights: kaiming_uniform_ with a = sqrt(5),
 * which works out to U(-1/sqrt(fanIn), 1/sqrt(fanIn)); biases use the same bound.
 */
export function defaultUniform(out: Float32Array, fanIn: number, rng: Rng): Float32Array {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return rng.fillUniform(out, -bound, bound);
}
