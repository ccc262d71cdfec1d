/**
 * The MID-L-specific ops: the gates alpha = sigmoid(logits), Top-k selection of the gates
 * (no gradient: it is a hard choice), and the interpolation y = act(a * full + (1 - a) * light)
 * with a = alpha * m, whose gradient to alpha is the straight-through estimator. Their loops
 * run in MID-L's per-neuron kernels (one fused pass each), as they touch every one of the B x n values.
 */
import { Act, backend } from '../backend/index.js';
import { Tensor, accumulateGrad, result } from '../tensor/tensor.js';
import { allocate } from '../tensor/pool.js';
import { midlNeuronKernels } from './kernels.js';
import { Ste } from './neuron-kernels.js';

/** The selected neurons of each example: sel (B x k, ascending) of which counts[i] are valid. */
export interface Selection {
  sel: Int32Array;
  counts: Int32Array;
  k: number;
}

/**
 * Top-k of each row of alpha (B x n), ties to the lower index; with threshold tau > 0 a
 * selected neuron whose gate is below tau is dropped too.
 */
export function selectTopK(alpha: Float32Array, B: number, n: number, k: number, tau: number): Selection {
  const sel = new Int32Array(B * k);
  backend().topkRows(alpha, B, n, k, sel);
  const counts = new Int32Array(B).fill(k);
  if (tau > 0) {
    for (let i = 0; i < B; i++) {
      let kept = 0;
      for (let t = 0; t < k; t++) {
        const j = sel[i * k + t];
        if (alpha[i * n + j] >= tau) sel[i * k + kept++] = j;
      }
      counts[i] = kept;
    }
  }
  return { sel, counts, k };
}

/** The same selection as topKMask gives, as a dense 0/1 mask (B x n). */
export function selectionMask(s: Selection, B: number, n: number): Float32Array {
  const m = new Float32Array(B * n);
  for (let i = 0; i < B; i++) {
    for (let t = 0; t < s.counts[i]; t++) m[i * n + s.sel[i * s.k + t]] = 1;
  }
  return m;
}

/** selectionMask(selectTopK(alpha, B, n, k, tau), B, n) in one backend pass. */
export function topKMask(alpha: Float32Array, B: number, n: number, k: number, tau: number): Float32Array {
  const mask = new Float32Array(B * n);
  midlNeuronKernels().selectMask(alpha, B, n, k, tau, mask);
  return mask;
}

/** The gates alpha = sigmoid(logits), with the exact derivative alpha * (1 - alpha). */
export function gateValues(logits: Tensor): Tensor {
  const out = allocate(logits.size);
  midlNeuronKernels().sigmoid(logits.data, out);
  return result(out, logits.shape, [logits], (g) => {
    const dLogits = allocate(g.length);
    midlNeuronKernels().sigmoidBackward(g, out, dLogits);
    accumulateGrad(logits, dLogits, true);
  });
}

/**
 * How the gradient reaches the gates through a = alpha * m:
 * - 'identity' (default, docs/method.md section 1): da/dalpha = 1 for every neuron, so
 *   dL/dalpha = (full - light) * dL/dy_pre.
 * - 'product': m is treated as alpha itself in the backward pass (dm/dalpha = 1), so
 *   dL/dalpha = (m + alpha) * (full - light) * dL/dy_pre; an unselected neuron then gets
 *   alpha * (full - light) * dL/dy_pre, as docs/method.md section 1 describes.
 */
export type SteMode = 'identity' | 'product';

/** y = act(a * full + (1 - a) * light), a = alpha * mask; all B x n. */
export function interpolate(
  alpha: Tensor, mask: Float32Array, full: Tensor, light: Tensor, act: 'none' | 'relu', ste: SteMode,
): Tensor {
  const kernels = midlNeuronKernels();
  const code = activationCode(act);
  const y = allocate(alpha.size);
  kernels.interpolate(alpha.data, mask, full.data, light.data, code, y);
  return result(y, alpha.shape, [alpha, full, light], (g) => {
    const fresh = (t: Tensor): Float32Array | null => (t.requiresGrad ? allocate(g.length) : null);
    const dFull = fresh(full);
    const dLight = fresh(light);
    const dAlpha = fresh(alpha);
    kernels.interpolateBackward(
      g, y, alpha.data, mask, full.data, light.data, code, ste === 'product' ? Ste.product : Ste.identity, dFull, dLight, dAlpha,
    );
    if (dFull) accumulateGrad(full, dFull, true);
    if (dLight) accumulateGrad(light, dLight, true);
    if (dAlpha) accumulateGrad(alpha, dAlpha, true);
  });
}

export const activationCode = (act: 'none' | 'relu'): 0 | 1 => (act === 'relu' ? Act.relu : Act.none);

/**
 * Each value of t (rows x units) repeated `times` times in a row, giving rows x (units *
 * times): a block's or a channel's gate spread over its neurons or pixels. The gradient
 * of each value is the sum over its copies.
 */
export function repeatEach(t: Tensor, times: number): Tensor {
  if (times === 1) return t;
  const out = allocate(t.size * times);
  repeatValues(t.data, times, out);
  const shape = [t.shape[0], (t.size / t.shape[0]) * times];
  return result(out, shape, [t], (g) => {
    const d = allocate(t.size);
    for (let u = 0; u < t.size; u++) {
      let s = 0;
      for (let c = u * times; c < (u + 1) * times; c++) s += g[c];
      d[u] = s;
    }
    accumulateGrad(t, d, true);
  });
}

/** out[u * times + c] = values[u] for c < times (out holds values.length * times). */
export function repeatValues(values: Float32Array, times: number, out: Float32Array = new Float32Array(values.length * times)): Float32Array {
  for (let u = 0; u < values.length; u++) out.fill(values[u], u * times, (u + 1) * times);
  return out;
}
