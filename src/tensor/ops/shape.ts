/** Shape ops: views that share their input's values. */
import { Tensor, accumulateGrad, result, sizeOf } from '../tensor.js';

/** The same values with a new shape; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1);
  const inferred = x.size / Math.max(1, sizeOf(known));
  const resolved = shape.map((d) => (d === -1 ? inferred : d));
  if (sizeOf(resolved) !== x.size || !resolved.every(Number.isInteger)) {
    throw new RangeError(`reshape: cannot view [${x.shape.join(', ')}] as [${shape.join(', ')}]`);
  }
  return result(x.data, resolved, [x], (g) => accumulateGrad(x, g));
}

/** Keeps the first dimension, flattens the rest. */
export function flatten(x: Tensor): Tensor {
  return reshape(x, [x.shape[0], -1]);
}
