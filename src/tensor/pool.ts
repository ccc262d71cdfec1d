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
 *
 * Small buffers are not pooled but cut from shared slabs: a Float32Array of its own costs
 * a backing store and the garbage collection that external memory brings on (512 floats:
 * 3.3 us on average on the test machine, a tenth of a batch-1 forward), a view of a slab
 * 50 ns. A slab's memory is freed when no view of it is left.
 */

/** Below this many floats (64 KB) a buffer is a view of a slab, and never recycled. */
const MIN_POOLED = 16_384;
/** Slab size: room for many small outputs; a long-kept view pins at most this much. */
const SLAB_BYTES = 1 << 18;
/** Views start at multiples of 64 bytes from the slab's start (cache lines, if it is aligned). */
const SLAB_ALIGN = 64;
/** Spare buffers kept per length; a step uses a handful of each. */
const MAX_SPARE = 16;

const spare = new Map<number, Float32Array[]>();
const handedOut = new WeakSet<Float32Array>();
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/** n zeros (n < MIN_POOLED) as a view of the current slab, starting a new slab when it is full. */
function slabFloats(n: number): Float32Array {
  const bytes = Math.ceil((4 * n) / SLAB_ALIGN) * SLAB_ALIGN;
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const view = new Float32Array(slab, slabUsed, n);
  slabUsed += bytes;
  return view;
}

/** A zero-filled buffer of n floats, recycled from an earlier step when one is spare. */
export function allocate(n: number): Float32Array {
  if (n < MIN_POOLED) return slabFloats(n);
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

/** Whether two arrays overlap in memory (a view of the other, not merely a view of the same slab). */
export function sharesMemory(a: Float32Array, b: Float32Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
