/**
 * The native MID-L per-neuron kernels (native/midl*.cc), over the addon's exports.
 */
import type { ActCode } from '../backend/index.js';
import type { MidlNeuronKernels, MidlParams, MidlPlan, MidlStrategyCode, SteCode } from './neuron-kernels.js';

/** The addon functions these kernels call. */
export interface NeuronAddon {
  midlSparseForward(
    x: Float32Array, B: number, d: number, weight: Float32Array, bias: Float32Array, n: number,
    alpha: Float32Array, sel: Int32Array, counts: Int32Array, k: number,
    act: number, strategy: number, y: Float32Array,
  ): void;
  midlPlan(
    d: number, n: number, r: number, projWeight: Float32Array, gateWeight: Float32Array, gateBias: Float32Array,
    lightWeight: Float32Array, lightBias: Float32Array, weight: Float32Array, bias: Float32Array,
  ): object;
  midlInference(
    plan: object, x: Float32Array, B: number, k: number, tau: number, act: number, strategy: number,
    y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void;
  sigmoid(x: Float32Array, out: Float32Array): void;
  sigmoidBackward(dy: Float32Array, y: Float32Array, dx: Float32Array): void;
  midlSelectMask(alpha: Float32Array, B: number, n: number, k: number, tau: number, mask: Float32Array): void;
  midlInterpolate(
    alpha: Float32Array, mask: Float32Array, full: Float32Array, light: Float32Array, act: number, y: Float32Array,
  ): void;
  midlInterpolateBackward(
    dy: Float32Array, y: Float32Array, alpha: Float32Array, mask: Float32Array, full: Float32Array,
    light: Float32Array, act: number, ste: number,
    dFull: Float32Array | null, dLight: Float32Array | null, dAlpha: Float32Array | null,
  ): void;
}

/** A layer's parameters bound in the addon (an opaque handle that keeps the arrays alive). */
class NativeMidlPlan implements MidlPlan {
  constructor(readonly d: number, readonly n: number, readonly r: number, readonly handle: object) {}
}

export class NativeNeuronKernels implements MidlNeuronKernels {
  readonly name = 'native';
  constructor(private readonly addon: NeuronAddon) {}

  sparseForward(
    x: Float32Array, B: number, d: number, weight: Float32Array, bias: Float32Array, n: number,
    alpha: Float32Array, sel: Int32Array, counts: Int32Array, k: number,
    act: ActCode, strategy: MidlStrategyCode, y: Float32Array,
  ): void {
    this.addon.midlSparseForward(x, B, d, weight, bias, n, alpha, sel, counts, k, act, strategy, y);
  }

  plan(d: number, n: number, r: number, p: MidlParams): MidlPlan {
    const handle = this.addon.midlPlan(d, n, r, p.projWeight, p.gateWeight, p.gateBias, p.lightWeight, p.lightBias, p.weight, p.bias);
    return new NativeMidlPlan(d, n, r, handle);
  }

  inference(
    plan: MidlPlan, x: Float32Array, B: number, k: number, tau: number, act: ActCode, strategy: MidlStrategyCode,
    y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void {
    if (!(plan instanceof NativeMidlPlan)) throw new TypeError('inference: the plan was not made by the native kernels');
    this.addon.midlInference(plan.handle, x, B, k, tau, act, strategy, y, counts, sel);
  }

  sigmoid(x: Float32Array, out: Float32Array): void {
    this.addon.sigmoid(x, out);
  }

  sigmoidBackward(dy: Float32Array, y: Float32Array, dx: Float32Array): void {
    this.addon.sigmoidBackward(dy, y, dx);
  }

  selectMask(alpha: Float32Array, B: number, n: number, k: number, tau: number, mask: Float32Array): void {
    this.addon.midlSelectMask(alpha, B, n, k, tau, mask);
  }

  interpolate(
    alpha: Float32Array, mask: Float32Array, full: Float32Array, light: Float32Array, act: ActCode, y: Float32Array,
  ): void {
    this.addon.midlInterpolate(alpha, mask, full, light, act, y);
  }

  interpolateBackward(
    dy: Float32Array, y: Float32Array, alpha: Float32Array, mask: Float32Array, full: Float32Array,
    light: Float32Array, act: ActCode, ste: SteCode,
    dFull: Float32Array | null, dLight: Float32Array | null, dAlpha: Float32Array | null,
  ): void {
    this.addon.midlInterpolateBackward(dy, y, alpha, mask, full, light, act, ste, dFull, dLight, dAlpha);
  }
}
