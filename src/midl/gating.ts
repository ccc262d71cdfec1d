/**
 * The two MID-L-specific ops: Top-k selection of the gates (no gradient: it is a
 * hard choice), and the interpolation y = act(a * full + (1 - a) * light) with
 * a = alpha * m, whose gradient to alpha is the straight-through estimator.
 */
import { Act, backend } from '../backend/index.js';
import { Tensor, accumulateGrad, result } from '../tensor/tensor.js';

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

/** The selection as a dense 0/1 mask (B x n). */
export function selectionMask(s: Selection, B: number, n: number): Float32Array {
  const m = new Float32Array(B * n);
  for (let i = 0; i < B; i++) {
    for (let t = 0; t < s.counts[i]; t++) m[i * n + s.sel[i * s.k + t]] = 1;
  }
  return m;
}

/**
 * How the gradient reaches the gates through a = alpha * m:
 * - 'identity' (default, MIDL.md section 1): da/dalpha = 1 for every neuron, so
 *   dL/dalpha = (full - light) * dL/dy_pre.
 * - 'product': m is treated as alpha itself in the backward pass (dm/dalpha = 1), so
 *   dL/dalpha = (m + alpha) * (full - light) * dL/dy_pre; an unselected neuron then gets
 *   alpha * (full - light) * dL/dy_pre, the other expression MIDL.md gives.
 */
export type SteMode = 'identity' | 'product';

/** y = act(a * full + (1 - a) * light), a = alpha * mask; all B x n. */
export function interpolate(
  alpha: Tensor, mask: Float32Array, full: Tensor, light: Tensor, act: 'none' | 'relu', ste: SteMode,
): Tensor {
  const n = alpha.size;
  const a = alpha.data;
  const f = full.data;
  const l = light.data;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const w = a[i] * mask[i];
    const v = w * f[i] + (1 - w) * l[i];
    y[i] = act === 'relu' && v < 0 ? 0 : v;
  }
  return result(y, alpha.shape, [alpha, full, light], (g) => {
    const dPre = new Float32Array(n);
    if (act === 'relu') backend().reluBackward(g, y, dPre);
    else dPre.set(g);
    if (full.requiresGrad) {
      const dFull = new Float32Array(n);
      for (let i = 0; i < n; i++) dFull[i] = dPre[i] * a[i] * mask[i];
      accumulateGrad(full, dFull);
    }
    if (light.requiresGrad) {
      const dLight = new Float32Array(n);
      for (let i = 0; i < n; i++) dLight[i] = dPre[i] * (1 - a[i] * mask[i]);
      accumulateGrad(light, dLight);
    }
    if (alpha.requiresGrad) {
      const dAlpha = new Float32Array(n);
      if (ste === 'identity') for (let i = 0; i < n; i++) dAlpha[i] = dPre[i] * (f[i] - l[i]);
      else for (let i = 0; i < n; i++) dAlpha[i] = dPre[i] * (f[i] - l[i]) * (mask[i] + a[i]);
      accumulateGrad(alpha, dAlpha);
    }
  });
}

export const activationCode = (act: 'none' | 'relu'): 0 | 1 => (act === 'relu' ? Act.relu : Act.none);
