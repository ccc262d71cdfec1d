/** Element-wise activations, each with its exact derivative. */
import { backend } from '../../backend/index.js';
import { Tensor, accumulateGrad, result } from '../tensor.js';
import { allocate } from '../pool.js';

export function relu(x: Tensor): Tensor {
  const src = x.data;
  const out = allocate(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] > 0 ? src[i] : 0;
  return result(out, x.shape, [x], (g) => {
    const dx = allocate(g.length);
    backend().reluBackward(g, out, dx);
    accumulateGrad(x, dx, true);
  });
}

export function sigmoid(x: Tensor): Tensor {
  const src = x.data;
  const out = allocate(src.length);
  for (let i = 0; i < src.length; i++) out[i] = sigmoidValue(src[i]);
  return result(out, x.shape, [x], (g) => {
    const dx = allocate(g.length);
    for (let i = 0; i < g.length; i++) dx[i] = g[i] * out[i] * (1 - out[i]);
    accumulateGrad(x, dx, true);
  });
}

export function tanh(x: Tensor): Tensor {
  const out = x.data.map(Math.tanh);
  return result(out, x.shape, [x], (g) => accumulateGrad(x, g.map((v, i) => v * (1 - out[i] * out[i])), true));
}

/** GELU, the exact (erf) form that PyTorch uses by default. */
export function gelu(x: Tensor): Tensor {
  const src = x.data;
  const out = src.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
  return result(out, x.shape, [x], (g) =>
    accumulateGrad(x, g.map((v, i) => {
      const z = src[i];
      const cdf = 0.5 * (1 + erf(z / Math.SQRT2));
      const pdf = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
      return v * (cdf + z * pdf);
    }), true),
  );
}

export function sigmoidValue(v: number): number {
  // exp of a non-positive number only, so neither branch overflows.
  const e = Math.exp(-Math.abs(v));
  return v >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** erf to about 1e-7 absolute (Abramowitz-Stegun 7.1.26 is too coarse for gradient checks). */
export function erf(x: number): number {
  // Series for small |x|, continued-fraction-free complement via erfc approximation otherwise.
  const ax = Math.abs(x);
  if (ax < 2) {
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Chebyshev fit of erfc (Numerical Recipes' erfcc), relative error < 1.2e-7.
  const t = 1 / (1 + 0.5 * ax);
  const poly =
    -ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.sign(x) * (1 - t * Math.exp(poly));
}
