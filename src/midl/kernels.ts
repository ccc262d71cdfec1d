/**
 * MID-L's own kernel families, kept beside the layers rather than in the generic Backend:
 * today the block-selection inference (docs/method.md, "Block selection"). Each family
 * has a native implementation (native/midl_block.cc) and a plain-TypeScript reference
 * one, parity-tested in test/midl/kernels.test.ts; the one used follows the process-wide
 * backend (MIDL_BACKEND), so a reference run stays reference throughout.
 */
import { backend, nativeAddon, type ActCode, type MidlParams } from '../backend/index.js';

/** A block-selection layer's parameters, bound once (as Backend.midlPlan binds MIDL's). */
export interface BlockPlan {
  readonly d: number;
  readonly n: number;
  readonly r: number;
  readonly blockSize: number;
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
