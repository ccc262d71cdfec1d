/** Reductions to a scalar. */
import { Tensor, accumulateGrad, result } from '../tensor.js';

export function sum(x: Tensor): Tensor {
  let s = 0;
  for (let i = 0; i < x.size; i++) s += x.data[i];
  return result(Float32Array.of(s), [1], [x], (g) => accumulateGrad(x, new Float32Array(x.size).fill(g[0])));
}

export function mean(x: Tensor): Tensor {
  let s = 0;
  for (let i = 0; i < x.size; i++) s += x.data[i];
  const n = x.size;
  return result(Float32Array.of(s / n), [1], [x], (g) => accumulateGrad(x, new Float32Array(n).fill(g[0] / n)));
}
