/**
 * MID-L's per-neuron kernel family, kept beside the layer rather than in the generic Backend:
 * the fused eval forward of MIDL (plan + inference), the sparse blend, and the training
 * kernels (gates, selection mask, interpolation and their backwards). A native
 * implementation (src/midl/neuron-native.ts, over native/midl*.cc) and a plain-TypeScript
 * reference (src/midl/neuron-reference.ts), parity-tested in test/midl/neuron-parity.test.ts;
 * midlNeuronKernels() (src/midl/kernels.ts) picks the one matching the process-wide backend.
 * Conventions as in src/backend/backend.ts (row-major Float32Arrays, caller-supplied outputs).
 */
import type { ActCode } from '../backend/index.js';

/** A MID-L layer's parameters, as MidlNeuronKernels.plan takes them (names as in the layer). */
export interface MidlParams {
  projWeight: Float32Array;
  gateWeight: Float32Array;
  gateBias: Float32Array;
  lightWeight: Float32Array;
  lightBias: Float32Array;
  weight: Float32Array;
  bias: Float32Array;
}

/** A MID-L layer bound by one implementation's plan; only that implementation's inference takes it. */
export interface MidlPlan {
  readonly d: number;
  readonly n: number;
  readonly r: number;
}

export interface MidlNeuronKernels {
  readonly name: 'native' | 'reference';

  /**
   * MID-L sparse inference, the blend of docs/method.md section 1 steps 6-8, computing the full path
   * only for selected neurons. Inputs: x (B x d), weight (n x d), bias (n), gate values
   * alpha (B x n); y (B x n) holds the light path on entry and the layer output on exit.
   * sel (B x k) lists, per example, the selected neuron indices in ascending order, of which
   * the first counts[i] are valid (counts[i] <= k; the threshold tau can drop some).
   * For each selected (i, j): full = weight[j] . x[i] + bias[j];
   * y[i, j] = alpha[i, j] * full + (1 - alpha[i, j]) * y[i, j]. Then act is applied to all of y.
   * strategy: see MidlStrategy; `auto` picks by batch size and shape.
   */
  sparseForward(
    x: Float32Array, B: number, d: number, weight: Float32Array, bias: Float32Array, n: number,
    alpha: Float32Array, sel: Int32Array, counts: Int32Array, k: number,
    act: ActCode, strategy: MidlStrategyCode, y: Float32Array,
  ): void;

  /**
   * Binds a MID-L layer's parameters for inference: the shared projection projWeight
   * (r x d); the gate head gateWeight (n x r), gateBias (n); the light head lightWeight (n x r),
   * lightBias (n); the full path weight (n x d), bias (n). The kernels check them once here,
   * not on every call. The plan reads the arrays' current values at each call and keeps the
   * arrays alive; make a new one when a parameter gets a new array.
   */
  plan(d: number, n: number, r: number, params: MidlParams): MidlPlan;

  /**
   * MID-L inference, docs/method.md section 1 steps 1-8 for a batch, in one call, with the
   * parameters of `plan` (from this implementation's plan). Per example i of x (B x d):
   * z = projWeight x_i; logits = gateWeight z + gateBias; light = lightWeight z + lightBias;
   * the k neurons with the largest logits are selected (the gates are sigmoid(logits), a
   * monotonic map, so these are the top-k gates; ties to the lower index); with tau > 0 a
   * selected neuron whose gate is below tau is dropped; then as sparseForward, with
   * alpha = sigmoid(logits) and y holding light. Outputs: y (B x n, overwritten), counts[i] the
   * number of neurons selected for example i, and, when sel is not null, sel (B x k) the
   * selected indices ascending, the first counts[i] of each row valid.
   */
  inference(
    plan: MidlPlan, x: Float32Array, B: number, k: number, tau: number, act: ActCode, strategy: MidlStrategyCode,
    y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void;

  /** out[i] = 1 / (1 + exp(-x[i])); out may alias x. */
  sigmoid(x: Float32Array, out: Float32Array): void;

  /** dx[i] = dy[i] * y[i] * (1 - y[i]) (sigmoid backward from its output y); dx may alias dy. */
  sigmoidBackward(dy: Float32Array, y: Float32Array, dx: Float32Array): void;

  /**
   * The MID-L selection as a 0/1 mask: per row of alpha (B x n), 1 on its k largest values
   * (ties to the lower index) that are also >= tau (tau <= 0: no threshold), 0 elsewhere.
   * mask is B x n, overwritten.
   */
  selectMask(alpha: Float32Array, B: number, n: number, k: number, tau: number, mask: Float32Array): void;

  /**
   * The MID-L interpolation over `size` elements: y = act(a * full + (1 - a) * light) with
   * a = alpha * mask.
   */
  interpolate(
    alpha: Float32Array, mask: Float32Array, full: Float32Array, light: Float32Array, act: ActCode, y: Float32Array,
  ): void;

  /**
   * Its backward from dy and the forward's output y: with g = dy where act is none, or
   * (y > 0 ? dy : 0) for relu, and a = alpha * mask, writes dFull = g * a,
   * dLight = g * (1 - a), dAlpha = g * (full - light) (ste 'identity', code 0) or
   * g * (full - light) * (mask + alpha) ('product', code 1). Each output may be null (skipped).
   */
  interpolateBackward(
    dy: Float32Array, y: Float32Array, alpha: Float32Array, mask: Float32Array, full: Float32Array,
    light: Float32Array, act: ActCode, ste: SteCode,
    dFull: Float32Array | null, dLight: Float32Array | null, dAlpha: Float32Array | null,
  ): void;
}

/** Straight-through gradient modes of interpolateBackward (see SteMode in src/midl/gating.ts). */
export const Ste = { identity: 0, product: 1 } as const;
export type SteCode = (typeof Ste)[keyof typeof Ste];

/**
 * How sparseForward walks the work (docs/method.md section 3):
 * gather: per example, k dot products with the gathered rows of W (small batches);
 * neuron: per neuron j, load W[j] once and dot it with every example that selected j (large batches).
 */
export const MidlStrategy = { auto: 0, gather: 1, neuron: 2 } as const;
export type MidlStrategyCode = (typeof MidlStrategy)[keyof typeof MidlStrategy];
