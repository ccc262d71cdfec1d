/**
 * Buffer reuse between training steps. A fresh Float32Array of a layer's size costs page
 * faults every time (a 256 KB activation: 0.1-0.3 ms on the test machine, more than the
 * arithmetic on it), so the ops take their outputs and gradients from here, and a
 * training loop hands a finished step's buffers back with `releaseGraph` (tensor.ts).
 *
 * Only buffers handed out by `allocate` are ever recycled, each once: a tensor that shares
 * another's values (a reshape) or a parameter's array cannot be returned by mistake.
 * Spare buffers stay for the life of the process, so it keeps about one training step's
 * worth of memory per model shape it has trained (the study's CNN at batch 128: 114 MB).
 */

/** Below this many floats (64 KB) a fresh array is cheap; such buffers are not pooled. */
const MIN_POOLED = 16_384;
/** Spare buffers kept per length; a step uses a handful of each. */
const MAX_SPARE = 16;

const spare = new Map<number, Float32Array[]>();
const handedOut = new WeakSet<Float32Array>();

/** A zero-filled buffer of n floats, recycled from an earlier step when one is spare. */
export function allocate(n: number): Float32Array {
  if (n < MIN_POOLED) return new Float32Array(n);
  const reused = spare.get(n)?.pop();
  const buffer = reused === undefined ? new Float32Array(n) : reused.fill(0);
  handedOut.add(buffer);
  return buffer;
}

/** Gives a buffer from `allocate` back for reuse; anything else (or a second return) is ignored. */
export function recycle(buffer: Float32Array): void {
  if (!handedOut.delete(buffer)) return;
  let list = spare.get(buffer.length);
  if (list === undefined) {
    list = [];
    spare.set(buffer.length, list);
  }
  if (list.length < MAX_SPARE) list.push(buffer);
}

/** Takes a buffer out of the pool's care for good (it now belongs to a long-lived tensor). */
export function adopt(buffer: Float32Array): void {
  handedOut.delete(buffer);
}
