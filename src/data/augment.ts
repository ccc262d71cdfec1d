/**
 * Seeded data augmentation for image batches, as torchvision's RandomCrop(size, padding=p)
 * followed by RandomHorizontalFlip: each image is shifted by (dy, dx), each drawn uniformly
 * from -p..p, the uncovered border filled with the normalised value of a black pixel, and
 * (when flip is on) mirrored left-right with probability 1/2. Draws per image, in batch
 * order: dy, dx, then the flip bit; so a seed fixes every augmented batch.
 *
 * ```ts
 * const aug: Augmentation = { padding: 4, flip: true };   // CIFAR; SVHN digits: flip false
 * augmentBatch(batch.x, batch.size, split.pixels, aug, rng);
 * ```
 */
import type { Rng } from '../tensor/rng.js';
import type { PixelBytes } from './types.js';

export interface Augmentation {
  /** Largest shift in pixels (the padding of the random crop); 0 for none. */
  padding: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
}

/**
 * Augments count decoded images of x (NCHW, the shape and pixel table of pixels) in place,
 * drawing from rng.
 */
export function augmentBatch(x: Float32Array, count: number, pixels: PixelBytes, aug: Augmentation, rng: Rng): void {
  const [channels, height, width] = pixels.shape;
  const plane = height * width;
  const image = new Float32Array(channels * plane);
  const p = aug.padding;
  for (let n = 0; n < count; n++) {
    const dy = p > 0 ? rng.int(2 * p + 1) - p : 0;
    const dx = p > 0 ? rng.int(2 * p + 1) - p : 0;
    const flip = aug.flip && rng.int(2) === 1;
    if (dy === 0 && dx === 0 && !flip) continue;
    const at = n * channels * plane;
    image.set(x.subarray(at, at + channels * plane));
    for (let c = 0; c < channels; c++) {
      const black = pixels.table[c * 256];
      const src = c * plane;
      const dst = at + c * plane;
      for (let y = 0; y < height; y++) {
        const sy = y + dy;
        for (let col = 0; col < width; col++) {
          const sx = (flip ? width - 1 - col : col) + dx;
          const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
          x[dst + y * width + col] = inside ? image[src + sy * width + sx] : black;
        }
      }
    }
  }
}
