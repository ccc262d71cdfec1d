/** Helpers shared by the MID-L layer tests. */
import { backend, setBackend, ReferenceBackend, type Backend } from '../../src/backend/index.js';

/** Runs fn under the process backend, then under the reference one when that was native. */
export function eachBackend(fn: (b: Backend) => void): void {
  const original = backend();
  try {
    for (const b of original.name === 'native' ? [original, new ReferenceBackend()] : [original]) {
      setBackend(b);
      fn(b);
    }
  } finally {
    setBackend(original);
  }
}

/** The largest absolute difference between two arrays of equal length. */
export function maxDiff(a: Float32Array, b: Float32Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}
