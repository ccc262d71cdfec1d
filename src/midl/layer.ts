/** The MID-L layer (docs/method.md section 1) in its dense form. */
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { sigmoid } from '../tensor/ops/activations.js';
import { mean } from '../tensor/ops/reduce.js';
import { affine } from '../tensor/ops/elementwise.js';
import { linear } from '../tensor/ops/linalg.js';
import { globalRng, type Rng } from '../tensor/rng.js';
import { allocate } from '../tensor/pool.js';
import { Tensor, noGrad } from '../tensor/tensor.js';
import { ActivityStats } from './activity.js';
import { BudgetThreshold, adaptiveCap, type SelectionMode } from './adaptive.js';
import { activationCode, gateValues, interpolate, repeatEach, repeatValues, selectionMask, selectTopK, topKMask, type SteMode } from './gating.js';
import { MidlStrategy, type MidlParams, type MidlStrategyCode } from './neuron-kernels.js';
import { InferencePlans } from './plans.js';
import { defaultRank, keptCount } from './shape.js';

/** How eval mode computes the full path: sparse kernel (auto/gather/neuron) or dense-then-mask. */
export type InferenceMode = 'auto' | 'gather' | 'neuron' | 'masked';

export interface MidlOptions {
  /** Keep ratio rho in (0, 1]: k = max(1, round(rho * n)) neurons per input. Default 0.45. */
  keep?: number;
  /** 'fixed': k neurons per input; 'adaptive': a per-layer average budget (docs/method.md section 6). Default 'fixed'. */
  mode?: SelectionMode;
  /** Adaptive mode's budget beta in (0, 1]: the mean fraction of active neurons. Default: keep. */
  budget?: number;
  /** Rank r of the shared projection. Default: docs/method.md section 2's rule (defaultRank). */
  rank?: number;
  /** Gate threshold tau: a kept neuron with a gate below tau is dropped too. Default 0. */
  threshold?: number;
  /** Activation applied to y. Default 'relu'. */
  activation?: 'relu' | 'none';
  /** Gate sparsity penalty lambda * mean(alpha), returned by auxiliaryLoss(). Default 0. */
  gatePenalty?: number;
  /** Epochs over which keep anneals linearly from 1 to its target. Default 0 (no warm-up). */
  keepWarmupEpochs?: number;
  /** Gradient of the gates through the hard mask (see SteMode). Default 'identity'. */
  ste?: SteMode;
  /** Initial gate bias. Default 0. */
  gateBiasInit?: number;
  /** Eval-mode full-path computation. Default 'auto' (the native kernel picks by batch size). */
  inference?: InferenceMode;
  /**
   * Block size b: the gate scores the n / b blocks of b consecutive neurons (its head has
   * n / b outputs, each block's gate shared by its neurons) and keeps the top
   * max(1, round(keep * n / b)) blocks, whose full paths run as small dense products
   * (docs/method.md, "Block selection"). n must be a multiple of b. Default 1 (per-neuron
   * selection, as in the paper). With b > 1, `inference` 'auto', 'gather' and 'neuron' all
   * run the block kernel (kernels.ts); 'masked' runs dense-then-mask.
   */
  blockSize?: number;
  rng?: Rng;
}

const strategyCodes: Record<Exclude<InferenceMode, 'masked'>, MidlStrategyCode> = {
  auto: MidlStrategy.auto,
  gather: MidlStrategy.gather,
  neuron: MidlStrategy.neuron,
};

/**
 * MIDL(inFeatures, outFeatures, options): the Matrix-Interpolated Dropout Layer
 * (docs/method.md), a drop-in for a hidden `Linear`. Per input it computes cheap gates from
 * a rank-r summary of x, keeps the k neurons with the largest gates, and blends their full
 * dense path with a low-rank light path; the other neurons take the light path only.
 *
 *     z     = V x                          V = proj.weight (r x d)
 *     alpha = sigmoid(G z + b_g)           G = gate.weight (n x r), b_g = gate.bias
 *     light = U z + b_l                    U = light.weight (n x r), b_l = light.bias
 *     m     = TopK(alpha, k) and alpha >= threshold   (1 on the kept neurons, ties to the lower index)
 *     a     = alpha * m
 *     y     = act(a * (W x + b) + (1 - a) * light)    W = weight (n x d), b = bias
 *
 * with k = min(n, max(1, round(keep * n))). In eval mode the full path W_j x + b_j runs only
 * for the kept neurons (a native sparse kernel), so the saved FLOPs become saved time: per
 * example r*d + 2*r*n + k*d multiply-accumulates against n*d for the dense layer
 * (`inferenceMacs`, `costReport`).
 *
 * Shapes: input [B, inFeatures]; output [B, outFeatures].
 *
 * Options (`MidlOptions`):
 * - `keep` (0.45): the keep ratio rho in (0, 1].
 * - `mode` ('fixed'): 'adaptive' replaces the k per input by an average budget: training keeps
 *   the `budget` fraction of the batch's largest gates (at most 2 * budget * n per input), eval
 *   keeps the gates above the running mean of the training cut-offs (docs/method.md section 6).
 * - `budget` (keep): adaptive mode's mean fraction of active neurons, in (0, 1].
 * - `rank` (the largest r with r*(d + 2n) <= n*d/8, at least 8, at most min(d, n); `defaultRank`).
 * - `threshold` (0): a kept neuron whose gate is below it is dropped too, so the number of
 *   active neurons varies per input.
 * - `activation` ('relu'): applied to y; 'none' leaves y linear.
 * - `gatePenalty` (0): lambda of the auxiliary loss lambda * mean(alpha) (training only).
 * - `keepWarmupEpochs` (0): epochs over which keep anneals linearly from 1 to its target.
 * - `ste` ('identity'): the gates' gradient through the hard mask; 'identity' gives
 *   dL/dalpha = (full - light) * dL/dy' for every neuron (y' is y before the activation),
 *   'product' multiplies it by (m + alpha).
 * - `gateBiasInit` (0): the initial gate bias b_g.
 * - `inference` ('auto'): how eval mode computes the full path: 'auto' (the kernel picks by
 *   batch size), 'gather', 'neuron', or 'masked' (every path dense, then masked: the reference).
 * - `rng` (the global Rng): the generator of the initial weights.
 *
 * Initialization: `weight`, `bias`, `proj.weight` and both heads as PyTorch's Linear
 * (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), so a MID-L layer starts like the dense layer it
 * replaces; `gate.bias` = `gateBiasInit` (0 puts alpha near 0.5, where the sigmoid's slope,
 * and so the gates' learning, is largest). `proj` has no bias.
 *
 * Training protocol: in train mode every full path is computed (a dense matrix product),
 * then masked, and the mask passes the gradient straight through (`ste`). `keepWarmupEpochs`
 * needs the epoch progress before each forward and `gatePenalty` adds a term to the loss:
 * compute each step's loss with `trainingLoss`, which does both, or neither option has any
 * effect. `model.eval()` switches to the sparse kernel; `activity` (and `costReport`) count
 * the neurons each input kept.
 *
 * ```ts
 * import { Adam, Linear, MIDL, Rng, Sequential, Tensor, costReport, crossEntropy, formatCostReport, releaseGraph, trainingLoss } from 'midl';
 *
 * const rng = new Rng(0);
 * const layer = new MIDL(32, 128, { keep: 0.25, gatePenalty: 1e-3, keepWarmupEpochs: 2, rng });
 * const model = new Sequential(layer, new Linear(128, 4, { rng }));
 * // A toy task: the label is the largest of the first four inputs.
 * const x = new Tensor(rng.fillNormal(new Float32Array(64 * 32)), [64, 32]);
 * const y = Int32Array.from({ length: 64 }, (_, i) => [0, 1, 2, 3].reduce((best, j) => (x.data[i * 32 + j] > x.data[i * 32 + best] ? j : best), 0));
 * const opt = new Adam(model.parameters(), { lr: 1e-2 });
 * model.train();
 * const losses = [];
 * for (let step = 0; step < 60; step++) {
 *   // One batch per epoch here, so the epoch progress is the step count.
 *   const { loss, task } = trainingLoss(model, step, () => model.forward(x), (out) => crossEntropy(out, y));
 *   losses.push(task.item());
 *   opt.zeroGrad();
 *   loss.backward();
 *   opt.step();
 *   releaseGraph(loss);
 * }
 * model.eval();
 * const out = model.forward(x); // [64, 4]; the MID-L layer computed 32 of its 128 full paths per example
 * console.log(`loss ${losses[0].toFixed(3)} -> ${losses.at(-1).toFixed(3)}; output [${out.shape}]; k = ${layer.currentK()}`);
 * console.log(formatCostReport(costReport(model, [32])));
 * ```
 */
export class MIDL extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly proj: Linear;
  readonly gate: Linear;
  readonly light: Linear;
  readonly keep: number;
  readonly mode: SelectionMode;
  readonly budget: number;
  readonly rank: number;
  readonly threshold: number;
  readonly activation: 'relu' | 'none';
  readonly gatePenalty: number;
  readonly keepWarmupEpochs: number;
  readonly ste: SteMode;
  readonly blockSize: number;
  inference: InferenceMode;
  /** Active-neuron counts of eval-mode forwards since the last reset. */
  readonly activity: ActivityStats;
  /**
   * Opt-in record of the selection (null by default, costing nothing): when set to an
   * n-long array, every eval-mode forward adds 1 to selectionCounts[j] per example that
   * selected neuron j, so analyses can tell often-selected neurons from rarely-selected ones.
   */
  selectionCounts: Float64Array | null = null;
  /** Active neurons of each example of the last eval-mode forward (shared: copy it to keep it). */
  lastActiveCounts: Int32Array = new Int32Array(0);
  private epochProgress = Infinity;
  /** Adaptive mode's threshold (null in fixed mode). */
  private readonly budgetThreshold: BudgetThreshold | null;
  private lastAlpha: Tensor | null = null;
  /**
   * Active counts of the last eval forward, reused while the batch size stays the same:
   * a fresh small Int32Array handed to the native kernel costs ~0.5 us (V8 moves its
   * values off the heap), a twentieth of a batch-1 layer.
   */
  private countsBuffer = new Int32Array(0);
  /** The parameters bound by the kernels for eval forwards. */
  private readonly plans = new InferencePlans(this, (p) =>
    p.weight === this.weight.data && p.bias === this.bias.data && p.projWeight === this.proj.weight.data &&
    p.gateWeight === this.gate.weight.data && p.gateBias === this.gate.bias?.data &&
    p.lightWeight === this.light.weight.data && p.lightBias === this.light.bias?.data);

  constructor(readonly inFeatures: number, readonly outFeatures: number, o: MidlOptions = {}) {
    super();
    const rng = o.rng ?? globalRng();
    this.keep = o.keep ?? 0.45;
    if (!(this.keep > 0 && this.keep <= 1)) throw new RangeError(`MIDL: keep must be in (0, 1], got ${this.keep}`);
    this.mode = o.mode ?? 'fixed';
    if (this.mode !== 'fixed' && this.mode !== 'adaptive') throw new RangeError(`MIDL: mode must be 'fixed' or 'adaptive', got ${String(this.mode)}`);
    this.budget = o.budget ?? this.keep;
    if (!(this.budget > 0 && this.budget <= 1)) throw new RangeError(`MIDL: budget must be in (0, 1], got ${this.budget}`);
    this.budgetThreshold = this.mode === 'adaptive' ? new BudgetThreshold() : null;
    if (this.budgetThreshold !== null) {
      this.registerBuffer('budget_threshold', { dtype: 'F32', shape: [1], data: this.budgetThreshold.state });
    }
    this.rank = o.rank ?? defaultRank(inFeatures, outFeatures);
    if (!(Number.isInteger(this.rank) && this.rank >= 1)) throw new RangeError(`MIDL: rank must be a positive integer, got ${this.rank}`);
    this.threshold = o.threshold ?? 0;
    this.activation = o.activation ?? 'relu';
    this.gatePenalty = o.gatePenalty ?? 0;
    this.keepWarmupEpochs = o.keepWarmupEpochs ?? 0;
    this.ste = o.ste ?? 'identity';
    this.inference = o.inference ?? 'auto';
    this.blockSize = o.blockSize ?? 1;
    if (!(Number.isInteger(this.blockSize) && this.blockSize >= 1 && outFeatures % this.blockSize === 0)) {
      throw new RangeError(`MIDL: blockSize must be a positive integer dividing outFeatures = ${outFeatures}, got ${this.blockSize}`);
    }
    const full = new Linear(inFeatures, outFeatures, { rng });
    this.weight = this.registerParameter('weight', full.weight);
    this.bias = this.registerParameter('bias', full.bias as Tensor);
    this.proj = this.registerModule('proj', new Linear(inFeatures, this.rank, { bias: false, rng }));
    this.gate = this.registerModule('gate', new Linear(this.rank, outFeatures / this.blockSize, { rng }));
    this.gate.bias?.data.fill(o.gateBiasInit ?? 0);
    this.light = this.registerModule('light', new Linear(this.rank, outFeatures, { rng }));
    this.activity = new ActivityStats(outFeatures);
  }

  /**
   * Neurons kept per input now: k, or in adaptive mode the cap kMax (the warm-up raises
   * either early in training); with block selection, kept blocks x b.
   */
  currentK(): number {
    return this.currentBlocks() * this.blockSize;
  }

  /** Blocks kept per input now (neurons when blockSize is 1): k, or kMax in adaptive mode. */
  currentBlocks(): number {
    const rho = this.currentRatio();
    const units = this.outFeatures / this.blockSize;
    return this.mode === 'adaptive' ? adaptiveCap(rho, units) : keptCount(rho, units);
  }

  /** The keep ratio (fixed mode) or budget (adaptive mode) now, annealed from 1 during the warm-up. */
  private currentRatio(): number {
    const target = this.mode === 'adaptive' ? this.budget : this.keep;
    if (this.training && this.keepWarmupEpochs > 0 && this.epochProgress < this.keepWarmupEpochs) {
      return 1 + (target - 1) * (this.epochProgress / this.keepWarmupEpochs);
    }
    return target;
  }

  /**
   * The eval-mode selection, in blocks (neurons when blockSize is 1): k and the gate
   * threshold. Adaptive mode keeps up to kMax gates at or above the running threshold;
   * before any training batch it keeps round(budget * n / b).
   */
  private evalSelection(): { k: number; tau: number } {
    if (this.budgetThreshold === null) return { k: this.currentBlocks(), tau: this.threshold };
    const running = this.budgetThreshold.running();
    if (running === null) return { k: keptCount(this.budget, this.outFeatures / this.blockSize), tau: this.threshold };
    return { k: this.currentBlocks(), tau: Math.max(this.threshold, running) };
  }

  /** The training mask over blocks: top-k per input, or in adaptive mode the batch's budget of largest gates. */
  private trainMask(alpha: Float32Array, B: number): Float32Array {
    const units = this.outFeatures / this.blockSize;
    if (this.budgetThreshold === null) return topKMask(alpha, B, units, this.currentBlocks(), this.threshold);
    const cutoff = this.budgetThreshold.batchCutoff(alpha, this.currentRatio());
    return topKMask(alpha, B, units, this.currentBlocks(), Math.max(this.threshold, cutoff));
  }

  /** Told by the training loop: fractional epochs completed (for the keep warm-up). */
  setEpochProgress(epochs: number): void {
    this.epochProgress = epochs;
  }

  forward(x: Tensor): Tensor {
    if (x.shape.length !== 2 || x.shape[1] !== this.inFeatures) {
      throw new RangeError(`MIDL: expected input [B, ${this.inFeatures}], got [${x.shape.join(', ')}]`);
    }
    return this.training ? this.forwardTrain(x) : noGrad(() => this.forwardEval(x));
  }

  /** The training forward: every full path computed (dense GEMM), then masked. */
  private forwardTrain(x: Tensor): Tensor {
    const B = x.shape[0];
    const b = this.blockSize;
    const z = this.proj.forward(x);
    const alpha = gateValues(this.gate.forward(z));
    const light = this.light.forward(z);
    const full = linear(x, this.weight, this.bias);
    const mask = this.trainMask(alpha.data, B);
    this.lastAlpha = this.gatePenalty > 0 ? alpha : null;
    return interpolate(repeatEach(alpha, b), b === 1 ? mask : repeatValues(mask, b), full, light, this.activation, this.ste);
  }

  /**
   * The eval forward: one kernel call computes the gates, the selection, the light path
   * and the full path only where selected; 'masked' runs the dense-then-mask reference.
   */
  private forwardEval(x: Tensor): Tensor {
    if (this.inference === 'masked') return this.forwardMasked(x);
    if (this.blockSize > 1) return this.forwardBlocks(x);
    const B = x.shape[0];
    const n = this.outFeatures;
    const { k, tau } = this.evalSelection();
    const y = allocate(B * n);
    if (this.countsBuffer.length !== B) this.countsBuffer = new Int32Array(B);
    const counts = this.countsBuffer;
    const sel = this.selectionCounts !== null ? new Int32Array(B * k) : null;
    const { kernels, plan } = this.plans.neuronPlan();
    kernels.inference(
      plan, x.data, B, k, tau, activationCode(this.activation), strategyCodes[this.inference],
      y, counts, sel,
    );
    this.activity.record(counts);
    this.lastActiveCounts = counts;
    if (sel !== null) this.countSelections(sel, counts, k);
    return new Tensor(y, [B, n]);
  }

  /** The eval forward with block selection: one call of the block kernels (kernels.ts). */
  private forwardBlocks(x: Tensor): Tensor {
    const B = x.shape[0];
    const b = this.blockSize;
    const { k, tau } = this.evalSelection();
    const y = allocate(B * this.outFeatures);
    if (this.countsBuffer.length !== B) this.countsBuffer = new Int32Array(B);
    const counts = this.countsBuffer;
    const sel = this.selectionCounts !== null ? new Int32Array(B * k) : null;
    const { kernels, plan } = this.plans.blockPlan();
    kernels.blockInference(plan, x.data, B, k, tau, activationCode(this.activation), y, counts, sel);
    const neurons = counts.map((blocks) => blocks * b);
    this.activity.record(neurons);
    this.lastActiveCounts = neurons;
    if (sel !== null) this.countSelections(sel, counts, k);
    return new Tensor(y, [B, this.outFeatures]);
  }

  /**
   * The parameter arrays, under the names the inference kernels take (MidlNeuronKernels.plan,
   * MidlBlockKernels.blockPlan); benchmarks time the kernels on them.
   */
  kernelParams(): MidlParams {
    return {
      projWeight: this.proj.weight.data, gateWeight: this.gate.weight.data, gateBias: (this.gate.bias as Tensor).data,
      lightWeight: this.light.weight.data, lightBias: (this.light.bias as Tensor).data,
      weight: this.weight.data, bias: this.bias.data,
    };
  }

  /** The reference eval forward: every path dense, then masked (as in training). */
  private forwardMasked(x: Tensor): Tensor {
    const B = x.shape[0];
    const n = this.outFeatures;
    const b = this.blockSize;
    const z = this.proj.forward(x);
    const alpha = sigmoid(this.gate.forward(z));
    const light = this.light.forward(z);
    const { k, tau } = this.evalSelection();
    const selection = selectTopK(alpha.data, B, n / b, k, tau);
    const neurons = b === 1 ? selection.counts : selection.counts.map((blocks) => blocks * b);
    this.activity.record(neurons);
    this.lastActiveCounts = neurons;
    if (this.selectionCounts !== null) this.countSelections(selection.sel, selection.counts, selection.k);
    const full = linear(x, this.weight, this.bias);
    const mask = selectionMask(selection, B, n / b);
    return interpolate(repeatEach(alpha, b), b === 1 ? mask : repeatValues(mask, b), full, light, this.activation, this.ste);
  }

  /** Adds the selection (units: blocks, or neurons when blockSize is 1) to selectionCounts, per neuron. */
  private countSelections(sel: Int32Array, counts: Int32Array, k: number): void {
    const tally = this.selectionCounts as Float64Array;
    const b = this.blockSize;
    for (let i = 0; i < counts.length; i++) {
      for (let t = 0; t < counts[i]; t++) {
        for (let j = sel[i * k + t] * b; j < (sel[i * k + t] + 1) * b; j++) tally[j]++;
      }
    }
  }

  /** lambda * mean(alpha) of the last training forward, or null when the penalty is off. */
  auxiliaryLoss(): Tensor | null {
    if (this.lastAlpha === null) return null;
    const term = affine(mean(this.lastAlpha), this.gatePenalty);
    this.lastAlpha = null;
    return term;
  }

  /**
   * Multiply-accumulates per example at inference (docs/method.md section 2), for a given
   * active count: r d (projection) + r n / b (gate head) + r n (light head) + active d.
   */
  inferenceMacs(activeNeurons: number): number {
    const d = this.inFeatures, n = this.outFeatures;
    return this.rank * d + this.rank * (n / this.blockSize) + this.rank * n + activeNeurons * d;
  }
}
