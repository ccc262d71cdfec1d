/**
 * Reusable scratch buffers for large temporaries (im2col columns). Fresh memory is
 * expensive to touch the first time (hundreds of MB per training step for a CNN), so a
 * buffer released after use serves the next request of the same size.
 */
const freeBySize = new Map<number, Float32Array[]>();
const MAX_FREE_PER_SIZE = 4;

/** A buffer of exactly `size` floats; its contents are arbitrary. */
export function acquireScratch(size: number): Float32Array {
  return freeBySize.get(size)?.pop() ?? new Float32Array(size);
}

/** Returns a buffer for reuse; the caller must not touch it afterwards. */
export function releaseScratch(buffer: Float32Array): void {
  const list = freeBySize.get(buffer.length) ?? [];
  if (list.length < MAX_FREE_PER_SIZE) list.push(buffer);
  freeBySize.set(buffer.length, list);
}
