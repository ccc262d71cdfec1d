/**
 * MID-L's own kernel families, kept beside the layers rather than in the generic Backend:
 * the block-selection inference of MIDL and the inference of MIDLConv2d (docs/method.md),
 * and the chooser of the per-neuron family (src/midl/neuron-kernels.ts).
 * Each has a native implementation (native/midl_block.cc, native/midl_conv.cc) and a
 * plain-TypeScript reference one, parity-tested in test/midl/block.test.ts and
 * conv.test.ts; the one used follows the process-wide backend (MIDL_BACKEND), so a
 * reference run stays reference throughout.
 */
import { backend, nativeAddon, type ActCode } from '../backend/index.js';
import type { MidlNeuronKernels, MidlParams } from './neuron-kernels.js';
import { NativeNeuronKernels, type NeuronAddon } from './neuron-native.js';
import { ReferenceNeuronKernels } from './neuron-reference.js';

/** A block-selection layer's parameters, bound once (as MidlNeuronKernels.plan binds MIDL's). */
export interface BlockPlan {
  readonly d: number;
  readonly n: number;
  readonly r: number;
  readonly blockSize: number;
}

/** A MIDLConv2d's sizes (see that class). */
export interface ConvGeometry {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride: number;
  pad: number;
  rank: number;
  lightRank: number;
}

/** A MIDLConv2d's parameter arrays; the light path's are null for light: 'zero'. */
export interface ConvParams {
  weight: Float32Array;
  bias: Float32Array;
  projWeight: Float32Array;
  gateWeight: Float32Array;
  gateBias: Float32Array;
  lightDown: Float32Array | null;
  lightUp: Float32Array | null;
  lightBias: Float32Array | null;
}

export interface MidlBlockKernels {
  readonly name: 'native' | 'reference';
  /**
   * Binds the parameters: projWeight (r x d), gateWeight (n/b x r) and gateBias (n/b) of
   * the block gate head, lightWeight (n x r), lightBias (n), weight (n x d), bias (n).
   * The plan reads the arrays' values at each call; make a new one when an array changes.
   */
  blockPlan(d: number, n: number, r: number, blockSize: number, params: MidlParams): BlockPlan;
  /**
   * Block-selection inference for x (B x d): z = projWeight x_i; s = gateWeight z + gateBias
   * (one score per block); light = lightWeight z + lightBias; the k blocks with the largest
   * scores are selected (ties to the lower block), those whose gate sigmoid(s_q) is below
   * tau (tau > 0) dropped; for neuron j of a selected block q,
   * y_j = a_q (weight_j . x_i + bias_j) + (1 - a_q) light_j with a_q = sigmoid(s_q), and
   * y_j = light_j elsewhere; then act over all of y (B x n, overwritten).
   * counts[i] = blocks selected for example i; sel (B x k, or null) the blocks ascending.
   */
  blockInference(
    plan: BlockPlan, x: Float32Array, B: number, k: number, tau: number, act: ActCode,
    y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void;
  /**
   * MIDLConv2d inference for x [B, C_in, H, W]: per image, gates from the pooled input,
   * the top k channels (ties to the lower index, minus gates below tau > 0), the light path,
   * the selected channels' convolution blended in, then act; y [B, C_out, OH, OW]
   * overwritten, counts[i] channels selected, sel (B x k, or null) the channels ascending.
   */
  convInference(
    g: ConvGeometry, p: ConvParams, x: Float32Array, B: number, H: number, W: number, k: number, tau: number,
    act: ActCode, y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void;
}

interface BlockAddon {
  midlBlockPlan(
    d: number, n: number, r: number, b: number, proj: Float32Array, gate: Float32Array, gateBias: Float32Array,
    light: Float32Array, lightBias: Float32Array, weight: Float32Array, bias: Float32Array,
  ): unknown;
  midlBlockInference(
    plan: unknown, x: Float32Array, B: number, k: number, tau: number, act: number,
    y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void;
  midlConvInference(
    x: Float32Array, batch: number, channels: number, height: number, width: number, kernelH: number, kernelW: number,
    stride: number, pad: number, filters: number, weight: Float32Array, bias: Float32Array, proj: Float32Array, r: number,
    gate: Float32Array, gateBias: Float32Array, lightDown: Float32Array | null, lightRank: number, lightUp: Float32Array | null,
    lightBias: Float32Array | null, k: number, tau: number, act: number, y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void;
}

class NativePlan implements BlockPlan {
  constructor(readonly d: number, readonly n: number, readonly r: number, readonly blockSize: number, readonly handle: unknown) {}
}

class NativeBlockKernels implements MidlBlockKernels {
  readonly name = 'native';
  constructor(private readonly addon: BlockAddon) {}

  blockPlan(d: number, n: number, r: number, b: number, p: MidlParams): BlockPlan {
    const handle = this.addon.midlBlockPlan(d, n, r, b, p.projWeight, p.gateWeight, p.gateBias, p.lightWeight, p.lightBias, p.weight, p.bias);
    return new NativePlan(d, n, r, b, handle);
  }

  blockInference(
    plan: BlockPlan, x: Float32Array, B: number, k: number, tau: number, act: ActCode,
    y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void {
    if (!(plan instanceof NativePlan)) throw new TypeError('blockInference: the plan was not made by the native kernels');
    this.addon.midlBlockInference(plan.handle, x, B, k, tau, act, y, counts, sel);
  }

  convInference(
    g: ConvGeometry, p: ConvParams, x: Float32Array, B: number, H: number, W: number, k: number, tau: number,
    act: ActCode, y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void {
    this.addon.midlConvInference(
      x, B, g.inChannels, H, W, g.kernelSize, g.kernelSize, g.stride, g.pad, g.outChannels, p.weight, p.bias, p.projWeight,
      g.rank, p.gateWeight, p.gateBias, p.lightDown, g.lightRank, p.lightUp, p.lightBias, k, tau, act, y, counts, sel,
    );
  }
}

class ReferencePlan implements BlockPlan {
  constructor(readonly d: number, readonly n: number, readonly r: number, readonly blockSize: number, readonly params: MidlParams) {}
}

/** out (M x N) = A (M x K) times the transpose of W (N x K), plus bias (N, or null). */
function timesTransposed(A: Float32Array, M: number, K: number, W: Float32Array, N: number, bias: Float32Array | null, out: Float32Array): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = bias === null ? 0 : bias[j];
      for (let p = 0; p < K; p++) s += A[i * K + p] * W[j * K + p];
      out[i * N + j] = s;
    }
  }
}

/** Indices of the k largest of row (ties to the lower index), ascending. */
function topK(row: Float32Array, k: number): number[] {
  const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

class ReferenceBlockKernels implements MidlBlockKernels {
  readonly name = 'reference';

  blockPlan(d: number, n: number, r: number, b: number, params: MidlParams): BlockPlan {
    if (!(Number.isInteger(b) && b >= 1 && n % b === 0)) throw new RangeError(`blockPlan: blockSize must divide n = ${n}, got ${b}`);
    return new ReferencePlan(d, n, r, b, { ...params });
  }

  blockInference(
    plan: BlockPlan, x: Float32Array, B: number, k: number, tau: number, act: ActCode,
    y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void {
    if (!(plan instanceof ReferencePlan)) throw new TypeError('blockInference: the plan was not made by the reference kernels');
    const { d, n, r, blockSize: b, params: p } = plan;
    const blocks = n / b;
    const z = new Float32Array(B * r);
    const scores = new Float32Array(B * blocks);
    timesTransposed(x, B, d, p.projWeight, r, null, z);
    timesTransposed(z, B, r, p.gateWeight, blocks, p.gateBias, scores);
    timesTransposed(z, B, r, p.lightWeight, n, p.lightBias, y);
    for (let i = 0; i < B; i++) {
      const row = scores.subarray(i * blocks, (i + 1) * blocks);
      const kept = topK(row, k).filter((q) => !(tau > 0) || 1 / (1 + Math.exp(-row[q])) >= tau);
      counts[i] = kept.length;
      kept.forEach((q, t) => {
        if (sel !== null) sel[i * k + t] = q;
        const a = 1 / (1 + Math.exp(-row[q]));
        for (let j = q * b; j < (q + 1) * b; j++) {
          let full = p.bias[j];
          for (let c = 0; c < d; c++) full += p.weight[j * d + c] * x[i * d + c];
          y[i * n + j] = a * full + (1 - a) * y[i * n + j];
        }
      });
    }
    if (act === 1) for (let e = 0; e < B * n; e++) y[e] = Math.max(0, y[e]);
  }

  convInference(
    g: ConvGeometry, p: ConvParams, x: Float32Array, B: number, H: number, W: number, k: number, tau: number,
    act: ActCode, y: Float32Array, counts: Int32Array, sel: Int32Array | null,
  ): void {
    const { inChannels: C, outChannels: F, kernelSize: K, stride: s, pad, rank: r, lightRank: lr } = g;
    const oh = Math.floor((H + 2 * pad - K) / s) + 1, ow = Math.floor((W + 2 * pad - K) / s) + 1;
    const plane = oh * ow, inPlane = H * W;
    for (let i = 0; i < B; i++) {
      const xi = x.subarray(i * C * inPlane, (i + 1) * C * inPlane);
      const pooled = Float32Array.from({ length: C }, (_, c) => xi.subarray(c * inPlane, (c + 1) * inPlane).reduce((a, v) => a + v, 0) / inPlane);
      const z = new Float32Array(r);
      const logits = new Float32Array(F);
      timesTransposed(pooled, 1, C, p.projWeight, r, null, z);
      timesTransposed(z, 1, r, p.gateWeight, F, p.gateBias, logits);
      const gate = (c: number): number => 1 / (1 + Math.exp(-logits[c]));
      const kept = topK(logits, k).filter((c) => !(tau > 0) || gate(c) >= tau);
      counts[i] = kept.length;
      const yi = y.subarray(i * F * plane, (i + 1) * F * plane);
      yi.fill(0);
      if (p.lightDown !== null && p.lightUp !== null && p.lightBias !== null) {
        for (let o = 0; o < plane; o++) {
          const at = Math.floor(o / ow) * s * W + (o % ow) * s;  // the window's centre
          const t = Float32Array.from({ length: lr }, (_, u) => {
            let acc = 0;
            for (let c = 0; c < C; c++) acc += p.lightDown![u * C + c] * xi[c * inPlane + at];
            return acc;
          });
          for (let f = 0; f < F; f++) {
            let acc = p.lightBias[f];
            for (let u = 0; u < lr; u++) acc += p.lightUp[f * lr + u] * t[u];
            yi[f * plane + o] = acc;
          }
        }
      }
      kept.forEach((f, t) => {
        if (sel !== null) sel[i * k + t] = f;
        const a = gate(f);
        for (let o = 0; o < plane; o++) {
          const oi = Math.floor(o / ow), oj = o % ow;
          let full = p.bias[f];
          for (let c = 0; c < C; c++) {
            for (let ki = 0; ki < K; ki++) {
              const hi = oi * s - pad + ki;
              if (hi < 0 || hi >= H) continue;
              for (let kj = 0; kj < K; kj++) {
                const wj = oj * s - pad + kj;
                if (wj >= 0 && wj < W) full += p.weight[((f * C + c) * K + ki) * K + kj] * xi[c * inPlane + hi * W + wj];
              }
            }
          }
          yi[f * plane + o] = a * full + (1 - a) * yi[f * plane + o];
        }
      });
    }
    if (act === 1) for (let e = 0; e < B * F * plane; e++) y[e] = Math.max(0, y[e]);
  }
}

let nativeKernels: MidlBlockKernels | null = null;
const referenceKernels = new ReferenceBlockKernels();

/** The kernels matching the process-wide backend (native when it is native). */
export function midlKernels(): MidlBlockKernels {
  if (backend().name === 'reference') return referenceKernels;
  nativeKernels ??= new NativeBlockKernels(nativeAddon<BlockAddon>());
  return nativeKernels;
}

/** The reference implementation, for parity tests. */
export function referenceMidlKernels(): MidlBlockKernels {
  return referenceKernels;
}

let nativeNeuron: MidlNeuronKernels | null = null;
const referenceNeuron = new ReferenceNeuronKernels();

/** The per-neuron kernels matching the process-wide backend (native when it is native). */
export function midlNeuronKernels(): MidlNeuronKernels {
  if (backend().name === 'reference') return referenceNeuron;
  nativeNeuron ??= new NativeNeuronKernels(nativeAddon<NeuronAddon>());
  return nativeNeuron;
}

/** The reference per-neuron kernels, for parity tests. */
export function referenceNeuronKernels(): MidlNeuronKernels {
  return referenceNeuron;
}
