/**
 * NumPy-style broadcasting of two shapes, and the index map from an output element to
 * the element of a (smaller) input it reads.
 */

/** The broadcast shape of a and b, or an error naming both. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For each element of the output shape, the flat index of the input element it reads.
 * Int32Array of the output's size.
 */
export function broadcastIndex(input: readonly number[], output: readonly number[]): Int32Array {
  const rank = output.length;
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    const d = input[input.length - rank + i] ?? 1;
    strides[i] = d === 1 ? 0 : stride;
    stride *= d;
  }
  let size = 1;
  for (const d of output) size *= d;
  const map = new Int32Array(size);
  const counter = new Array<number>(rank).fill(0);
  let at = 0;
  for (let flat = 0; flat < size; flat++) {
    map[flat] = at;
    for (let i = rank - 1; i >= 0; i--) {
      counter[i]++;
      at += strides[i];
      if (counter[i] < output[i]) break;
      at -= strides[i] * output[i];
      counter[i] = 0;
    }
  }
  return map;
}

/** How b relates to an output of size n: same layout, one scalar, a repeating trailing row, or general. */
export type BroadcastKind = 'same' | 'scalar' | 'row' | 'general';

export function broadcastKind(input: readonly number[], output: readonly number[]): BroadcastKind {
  let inSize = 1;
  for (const d of input) inSize *= d;
  let outSize = 1;
  for (const d of output) outSize *= d;
  if (inSize === outSize) return 'same';
  if (inSize === 1) return 'scalar';
  // A row: input's dims equal the output's trailing dims (after dropping leading 1s).
  const trimmed = input.slice(input.findIndex((d) => d !== 1));
  const tail = output.slice(output.length - trimmed.length);
  if (trimmed.every((d, i) => d === tail[i])) return 'row';
  return 'general';
}

/** Sums an output-shaped gradient down to an input's shape (the adjoint of broadcasting). */
export function reduceToShape(grad: Float32Array, input: readonly number[], output: readonly number[]): Float32Array {
  const kind = broadcastKind(input, output);
  if (kind === 'same') return grad;
  let inSize = 1;
  for (const d of input) inSize *= d;
  const out = new Float32Array(inSize);
  if (kind === 'scalar') {
    let s = 0;
    for (let i = 0; i < grad.length; i++) s += grad[i];
    out[0] = s;
  } else if (kind === 'row') {
    for (let i = 0; i < grad.length; i += inSize) {
      for (let j = 0; j < inSize; j++) out[j] += grad[i + j];
    }
  } else {
    const map = broadcastIndex(input, output);
    for (let i = 0; i < grad.length; i++) out[map[i]] += grad[i];
  }
  return out;
}
