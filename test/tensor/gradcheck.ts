/** Finite-difference gradient checks for ops built on the autograd tape. */
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';

export interface GradcheckOptions {
  eps?: number;
  /** Allowed |numeric - analytic| is atol + rtol * |numeric|. */
  atol?: number;
  rtol?: number;
  /** How many elements of each input to probe (all when smaller). */
  probes?: number;
  seed?: number;
}

/**
 * Checks d/d(input) of L = sum(f(inputs) * r), r a fixed random projection, against
 * central differences. Inputs must have requiresGrad set.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], o: GradcheckOptions = {}): void {
  const eps = o.eps ?? 1e-2;
  const atol = o.atol ?? 2e-3;
  const rtol = o.rtol ?? 2e-2;
  const rng = new Rng(o.seed ?? 7);
  const first = noGrad(() => f(...inputs));
  const r = new Float32Array(first.size);
  rng.fillUniform(r, -1, 1);
  const objective = (): number => noGrad(() => {
    const out = f(...inputs);
    let s = 0;
    for (let i = 0; i < out.size; i++) s += out.data[i] * r[i];
    return s;
  });
  for (const x of inputs) x.grad = null;
  f(...inputs).backward(r);
  inputs.forEach((x, which) => {
    assert.ok(x.grad !== null, `input ${which} received no gradient`);
    const analytic = x.grad as Float32Array;
    const probes = Math.min(o.probes ?? 24, x.size);
    const picks = x.size <= probes ? [...Array(x.size).keys()] : Array.from({ length: probes }, () => rng.int(x.size));
    for (const i of picks) {
      const saved = x.data[i];
      x.data[i] = saved + eps;
      const up = objective();
      x.data[i] = saved - eps;
      const down = objective();
      x.data[i] = saved;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(numeric - analytic[i]);
      assert.ok(
        err <= atol + rtol * Math.abs(numeric),
        `input ${which}[${i}]: analytic ${analytic[i]} vs numeric ${numeric} (err ${err})`,
      );
    }
  });
}

/** A tensor of uniform values in [low, high) that requires a gradient. */
export function randomTensor(shape: number[], rng: Rng, low = -1, high = 1): Tensor {
  const t = Tensor.zeros(shape, { requiresGrad: true });
  rng.fillUniform(t.data, low, high);
  return t;
}

/** Like randomTensor, but every value is at least `gap` away from zero (safe for ReLU kinks). */
export function awayFromZero(shape: number[], rng: Rng, gap = 0.1): Tensor {
  const t = randomTensor(shape, rng);
  for (let i = 0; i < t.size; i++) t.data[i] = Math.sign(t.data[i] || 1) * (gap + Math.abs(t.data[i]));
  return t;
}
