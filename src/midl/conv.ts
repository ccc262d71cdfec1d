/**
 * MIDLConv2d: MID-L over a convolution's output channels (docs/method.md, "Convolutional
 * MID-L"). Per image, a gate computed from the globally average-pooled input picks the k
 * output channels worth computing; the convolution runs for those only, and every channel
 * also gets a cheap light path:
 *
 *   z = V GAP(x)                       (r, from the C_in pooled input channels)
 *   alpha = sigmoid(G z + b_g)         (C_out gates)
 *   m = top-k(alpha), k = max(1, round(keep C_out)), minus gates below `threshold`
 *   light_c = (U (V' x) + b_l)_c       (two 1x1 convolutions, rank r'; or 0 with light: 'zero')
 *   y_c = act(a_c full_c + (1 - a_c) light_c),  a_c = alpha_c m_c,  full_c = (W * x)_c + b_c
 *
 * Shapes: x [B, C_in, H, W] -> y [B, C_out, OH, OW], OH and OW as Conv2d with the same
 * kernel, stride and padding. The light path reads x at each output's window centre, so
 * 'lowrank' needs an odd kernel with pad = (kernelSize - 1) / 2.
 *
 * Training computes the dense convolution and masks it, the gradient reaching the gates
 * through MIDL's straight-through estimator (`ste`); eval mode convolves each image with
 * only its k selected filters (its im2col columns shared by them), so the saved FLOPs
 * become saved time. `inference: 'masked'` runs the dense-then-mask reference instead.
 *
 * Parameters (PyTorch-style names): `weight` [C_out, C_in, kh, kw] and `bias` [C_out] of
 * the convolution; `proj.weight` [r, C_in] (V); `gate.weight` [C_out, r] and `gate.bias`
 * (G, b_g); `light_down.weight` [r', C_in, 1, 1] (V'), `light_up.weight` [C_out, r', 1, 1]
 * and `light_up.bias` (U, b_l), absent with light: 'zero'. All start as PyTorch's defaults
 * (U(+-1/sqrt(fan_in))); the gate bias starts at `gateBiasInit`.
 *
 * ```ts
 * import { MIDLConv2d, Tensor } from 'midl';
 * const conv = new MIDLConv2d(32, 64, 3, { pad: 1, keep: 0.5 });
 * conv.eval();
 * const y = conv.forward(Tensor.zeros([8, 32, 16, 16]));   // [8, 64, 16, 16], 32 channels computed per image
 * ```
 */
import { Conv2d } from '../nn/conv.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { conv2d, convOutSize } from '../tensor/ops/conv.js';
import { globalAvgPool2d } from '../tensor/ops/pool.js';
import { reshape } from '../tensor/ops/shape.js';
import { globalRng, type Rng } from '../tensor/rng.js';
import { allocate } from '../tensor/pool.js';
import { Tensor, noGrad } from '../tensor/tensor.js';
import { ActivityStats } from './activity.js';
import { activationCode, gateValues, interpolate, repeatEach, repeatValues, topKMask, type SteMode } from './gating.js';
import { midlKernels, type ConvParams } from './kernels.js';
import { defaultRank, keptCount } from './shape.js';

export interface MidlConv2dOptions {
  /** Keep ratio in (0, 1]: k = max(1, round(keep * C_out)) channels per image. Default 0.45. */
  keep?: number;
  /** Rank r of the gate's projection of the pooled input. Default defaultRank(C_in, C_out). */
  rank?: number;
  /** Rank r' of the light path. Default defaultLightRank(C_out). */
  lightRank?: number;
  /** The light path: 'lowrank' (two 1x1 convolutions) or 'zero' (channel gating, as FBS). Default 'lowrank'. */
  light?: 'lowrank' | 'zero';
  /** Gate threshold tau: a kept channel with a gate below tau is dropped too. Default 0. */
  threshold?: number;
  /** Activation applied to y. Default 'relu'. */
  activation?: 'relu' | 'none';
  /** Stride of the convolution. Default 1. */
  stride?: number;
  /** Zero padding of the convolution. Default 0. */
  pad?: number;
  /** Gradient of the gates through the hard mask (see SteMode). Default 'identity'. */
  ste?: SteMode;
  /** Initial gate bias. Default 0. */
  gateBiasInit?: number;
  /** Eval-mode computation: 'sparse' (selected filters only) or 'masked' (dense, then masked). Default 'sparse'. */
  inference?: 'sparse' | 'masked';
  rng?: Rng;
}

/** r' = max(1, round(C_out / 8)): the light path costs r' (C_in + C_out) per pixel, a few percent of a 3x3 convolution. */
export function defaultLightRank(outChannels: number): number {
  return Math.max(1, Math.round(outChannels / 8));
}

export class MIDLConv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly proj: Linear;
  readonly gate: Linear;
  readonly lightDown: Conv2d | null;
  readonly lightUp: Conv2d | null;
  readonly keep: number;
  readonly rank: number;
  readonly lightRank: number;
  readonly light: 'lowrank' | 'zero';
  readonly threshold: number;
  readonly activation: 'relu' | 'none';
  readonly stride: number;
  readonly pad: number;
  readonly ste: SteMode;
  inference: 'sparse' | 'masked';
  /** Active-channel counts of eval-mode forwards since the last reset. */
  readonly activity: ActivityStats;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, o: MidlConv2dOptions = {}) {
    super();
    const rng = o.rng ?? globalRng();
    this.keep = o.keep ?? 0.45;
    if (!(this.keep > 0 && this.keep <= 1)) throw new RangeError(`MIDLConv2d: keep must be in (0, 1], got ${this.keep}`);
    this.rank = o.rank ?? defaultRank(inChannels, outChannels);
    this.lightRank = o.lightRank ?? defaultLightRank(outChannels);
    for (const [name, v] of [['rank', this.rank], ['lightRank', this.lightRank]] as const) {
      if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`MIDLConv2d: ${name} must be a positive integer, got ${v}`);
    }
    this.light = o.light ?? 'lowrank';
    this.threshold = o.threshold ?? 0;
    this.activation = o.activation ?? 'relu';
    this.stride = o.stride ?? 1;
    this.pad = o.pad ?? 0;
    this.ste = o.ste ?? 'identity';
    this.inference = o.inference ?? 'sparse';
    if (this.light === 'lowrank' && (kernelSize % 2 === 0 || 2 * this.pad !== kernelSize - 1)) {
      throw new RangeError(
        `MIDLConv2d: light 'lowrank' needs an odd kernel with pad = (kernelSize - 1) / 2, got kernel ${kernelSize}, pad ${this.pad} (use light: 'zero')`,
      );
    }
    const full = new Conv2d(inChannels, outChannels, kernelSize, { stride: this.stride, pad: this.pad, rng });
    this.weight = this.registerParameter('weight', full.weight);
    this.bias = this.registerParameter('bias', full.bias as Tensor);
    this.proj = this.registerModule('proj', new Linear(inChannels, this.rank, { bias: false, rng }));
    this.gate = this.registerModule('gate', new Linear(this.rank, outChannels, { rng }));
    this.gate.bias?.data.fill(o.gateBiasInit ?? 0);
    this.lightDown = null;
    this.lightUp = null;
    if (this.light === 'lowrank') {
      this.lightDown = this.registerModule('light_down', new Conv2d(inChannels, this.lightRank, 1, { stride: this.stride, bias: false, rng }));
      this.lightUp = this.registerModule('light_up', new Conv2d(this.lightRank, outChannels, 1, { rng }));
    }
    this.activity = new ActivityStats(outChannels);
  }

  /** Channels kept per image. */
  currentK(): number {
    return keptCount(this.keep, this.outChannels);
  }

  /** Output height and width for an input of height h and width w. */
  outputSize(h: number, w: number): [number, number] {
    return [convOutSize(h, this.kernelSize, this.stride, this.pad), convOutSize(w, this.kernelSize, this.stride, this.pad)];
  }

  forward(x: Tensor): Tensor {
    if (x.shape.length !== 4 || x.shape[1] !== this.inChannels) {
      throw new RangeError(`MIDLConv2d: expected input [B, ${this.inChannels}, H, W], got [${x.shape.join(', ')}]`);
    }
    if (!this.training) return noGrad(() => (this.inference === 'masked' ? this.forwardMasked(x) : this.forwardSparse(x)));
    return this.forwardMasked(x);
  }

  /** The gates alpha [B, C_out] of x. */
  private gates(x: Tensor): Tensor {
    return gateValues(this.gate.forward(this.proj.forward(globalAvgPool2d(x))));
  }

  /** The light path [B, C_out, OH, OW], or null for 'zero'. */
  private lightPath(x: Tensor): Tensor | null {
    if (this.lightDown === null || this.lightUp === null) return null;
    return this.lightUp.forward(this.lightDown.forward(x));
  }

  /** Dense convolution, then the mask (training, and the eval reference). */
  private forwardMasked(x: Tensor): Tensor {
    const B = x.shape[0];
    const [oh, ow] = this.outputSize(x.shape[2], x.shape[3]);
    const plane = oh * ow;
    const alpha = this.gates(x);
    const mask = topKMask(alpha.data, B, this.outChannels, this.currentK(), this.threshold);
    if (!this.training) this.activity.record(activeCounts(mask, B, this.outChannels));
    const full = conv2d(x, this.weight, this.bias, { stride: this.stride, pad: this.pad });
    const light = this.lightPath(x) ?? new Tensor(new Float32Array(full.size), full.shape);
    const y = interpolate(repeatEach(alpha, plane), repeatValues(mask, plane), full, light, this.activation, this.ste);
    return reshape(y, [B, this.outChannels, oh, ow]);
  }

  /**
   * The eval forward: per image, one convolution with only its selected filters, blended
   * into the light path, in one kernel call (kernels.ts).
   */
  private forwardSparse(x: Tensor): Tensor {
    const [B, , H, W] = x.shape;
    const [oh, ow] = this.outputSize(H, W);
    const k = this.currentK();
    const y = allocate(B * this.outChannels * oh * ow);
    const counts = new Int32Array(B);
    const params: ConvParams = {
      weight: this.weight.data, bias: this.bias.data, projWeight: this.proj.weight.data,
      gateWeight: this.gate.weight.data, gateBias: (this.gate.bias as Tensor).data,
      lightDown: this.lightDown?.weight.data ?? null, lightUp: this.lightUp?.weight.data ?? null,
      lightBias: this.lightUp?.bias?.data ?? null,
    };
    midlKernels().convInference(this, params, x.data, B, H, W, k, this.threshold, activationCode(this.activation), y, counts, null);
    this.activity.record(counts);
    return new Tensor(y, [B, this.outChannels, oh, ow]);
  }

  /**
   * Multiply-accumulates per image at inference for `activeChannels` computed in full and
   * an input of height h, width w: the pooled gate r C_in + C_out r, the light path
   * r' (C_in + C_out) per output pixel, and the selected filters' convolution.
   */
  inferenceMacs(activeChannels: number, h: number, w: number): number {
    const [oh, ow] = this.outputSize(h, w);
    const plane = oh * ow;
    const light = this.light === 'lowrank' ? this.lightRank * (this.inChannels + this.outChannels) * plane : 0;
    const gate = this.rank * this.inChannels + this.outChannels * this.rank;
    return gate + light + activeChannels * this.inChannels * this.kernelSize * this.kernelSize * plane;
  }
}

/** Ones per row of a B x n 0/1 mask. */
function activeCounts(mask: Float32Array, B: number, n: number): Int32Array {
  const counts = new Int32Array(B);
  for (let i = 0; i < B; i++) {
    let c = 0;
    for (let j = i * n; j < (i + 1) * n; j++) c += mask[j];
    counts[i] = c;
  }
  return counts;
}
