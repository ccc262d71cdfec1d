/**
 * The reference MID-L per-neuron kernels: plain TypeScript loops, written to be obviously
 * correct, over the reference backend's generic ops. The oracle the native kernels are
 * tested against, and what runs when the process-wide backend is the reference one.
 */
import { Act, ReferenceBackend, type ActCode } from '../backend/index.js';
import { Ste, type MidlNeuronKernels, type MidlParams, type MidlPlan, type MidlStrategyCode, type SteCode } from './neuron-kernels.js';

/** The logistic function; exp of a non-positive number only, so neither branch overflows. */
function logistic(v: number): number {
  const e = Math.exp(-Math.abs(v));
  return v >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** A layer's parameters as plan got them. */
class ReferenceMidlPlan implements MidlPlan {
  constructor(readonly d: number, readonly n: number, readonly r: number, readonly params: MidlParams) {}
}

export class ReferenceNeuronKernels implements MidlNeuronKernels {
  readonly name = 'reference';
  private readonly ops = new ReferenceBackend();

  sparseForward(
    x: Float32Array, B: number, d: number, weight: Float32Array, bias: Float32Array, n: number,
    alpha: Float32Array, sel: Int32Array, counts: Int32Array, k: number,
    act: ActCode, _strategy: MidlStrategyCode, y: Float32Array,
  ): void {
    for (let i = 0; i < B; i++) {
      for (let t = 0; t < counts[i]; t++) {
        const j = sel[i * k + t];
        let full = bias[j];
        for (let p = 0; p < d; p++) full += weight[j * d + p] * x[i * d + p];
        const a = alpha[i * n + j];
        y[i * n + j] = a * full + (1 - a) * y[i * n + j];
      }
    }
    if (act === Act.relu) for (let i = 0; i < B * n; i++) if (y[i] < 0) y[i] = 0;
  }

  plan(d: number, n: number, r: number, params: MidlParams): MidlPlan {
    return new ReferenceMidlPlan(d, n, r, { ...params });
  }

  inference(
    plan: MidlPlan, x: Float32Array, B: number, k: number, tau: number, act: ActCode, strategy: MidlStrategyCode,
    y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void {
    if (!(plan instanceof ReferenceMidlPlan)) throw new TypeError('inference: the plan was not made by the reference kernels');
    const { d, n, r } = plan;
    const { projWeight, gateWeight, gateBias, lightWeight, lightBias, weight, bias } = plan.params;
    const z = new Float32Array(B * r);
    this.ops.gemm(false, true, B, r, d, 1, x, projWeight, 0, z);
    const gates = new Float32Array(B * n);
    this.ops.gemm(false, true, B, n, r, 1, z, gateWeight, 0, gates);
    this.ops.biasAct(gates, gateBias, B, n, Act.none, gates);
    this.ops.gemm(false, true, B, n, r, 1, z, lightWeight, 0, y);
    this.ops.biasAct(y, lightBias, B, n, Act.none, y);
    const chosen = sel ?? new Int32Array(B * k);
    this.ops.topkRows(gates, B, n, k, chosen);
    this.sigmoid(gates, gates);
    for (let i = 0; i < B; i++) {
      let kept = 0;
      for (let t = 0; t < k; t++) {
        const j = chosen[i * k + t];
        if (tau <= 0 || gates[i * n + j] >= tau) chosen[i * k + kept++] = j;
      }
      counts[i] = kept;
    }
    this.sparseForward(x, B, d, weight, bias, n, gates, chosen, counts, k, act, strategy, y);
  }

  sigmoid(x: Float32Array, out: Float32Array): void {
    for (let i = 0; i < x.length; i++) out[i] = logistic(x[i]);
  }

  sigmoidBackward(dy: Float32Array, y: Float32Array, dx: Float32Array): void {
    for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
  }

  selectMask(alpha: Float32Array, B: number, n: number, k: number, tau: number, mask: Float32Array): void {
    const sel = new Int32Array(B * k);
    this.ops.topkRows(alpha, B, n, k, sel);
    mask.fill(0, 0, B * n);
    for (let i = 0; i < B; i++) {
      for (let t = 0; t < k; t++) {
        const j = sel[i * k + t];
        if (tau <= 0 || alpha[i * n + j] >= tau) mask[i * n + j] = 1;
      }
    }
  }

  interpolate(
    alpha: Float32Array, mask: Float32Array, full: Float32Array, light: Float32Array, act: ActCode, y: Float32Array,
  ): void {
    for (let i = 0; i < y.length; i++) {
      const a = alpha[i] * mask[i];
      const v = a * full[i] + (1 - a) * light[i];
      y[i] = act === Act.relu && v < 0 ? 0 : v;
    }
  }

  interpolateBackward(
    dy: Float32Array, y: Float32Array, alpha: Float32Array, mask: Float32Array, full: Float32Array,
    light: Float32Array, act: ActCode, ste: SteCode,
    dFull: Float32Array | null, dLight: Float32Array | null, dAlpha: Float32Array | null,
  ): void {
    for (let i = 0; i < dy.length; i++) {
      const g = act === Act.relu && !(y[i] > 0) ? 0 : dy[i];
      const a = alpha[i] * mask[i];
      if (dFull) dFull[i] = g * a;
      if (dLight) dLight[i] = g * (1 - a);
      if (dAlpha) dAlpha[i] = g * (full[i] - light[i]) * (ste === Ste.product ? mask[i] + alpha[i] : 1);
    }
  }
}
