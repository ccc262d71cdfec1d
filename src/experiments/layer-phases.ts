/**
 * `midl bench layer --phases`: where a MID-L layer's eval time goes. Each part of
 * docs/method.md section 1 is timed alone through the backend's and the layer's own kernels, side by side with
 * the dense layer and the whole MID-L forward: the projection z = V x, the gate and
 * light heads, the top-k selection, the gates' sigmoid, and the full path W_j . x + b_j
 * over the batch's real selection (the sparse kernel, blend and activation included).
 *
 * The parts other than the full path are MID-L's fixed cost: whatever the kernel does
 * with the selected rows, the layer cannot take less than their sum, so
 * (fixed parts) / (dense time) is a floor under its time ratio that no full-path kernel
 * removes. At batches of 1-8 the fused call overlaps some parts on two threads and uses
 * dot kernels instead of matrix products, so there the parts need not add up to it.
 */
import { Act, backend } from '../backend/index.js';
import type { Linear } from '../nn/linear.js';
import { activationCode } from '../midl/gating.js';
import { midlNeuronKernels } from '../midl/kernels.js';
import type { MIDL } from '../midl/layer.js';
import { MidlStrategy } from '../midl/neuron-kernels.js';
import { Tensor, noGrad } from '../tensor/tensor.js';
import { sideBySideMicros } from './timing.js';

/** One batch size's part times, in microseconds (medians, measured side by side). */
export interface LayerPhases {
  batch: number;
  dense_us: number;
  /** The whole MID-L eval forward (one fused kernel call). */
  midl_us: number;
  projection_us: number;
  gate_head_us: number;
  light_head_us: number;
  topk_us: number;
  sigmoid_us: number;
  /** The sparse full path with the blend and activation, on the batch's real selection. */
  full_path_us: number;
  /** (projection + heads + top-k + sigmoid) / dense: the floor under MID-L's time ratio. */
  fixed_ratio: number;
}

/**
 * The parts of `midl` at each batch size, against `dense` (a Linear with its weight, bias
 * and activation). The layer and its full path run as `inference: 'auto'`, as bench
 * layer's sparse column does, whatever mode the layer was set to.
 */
export function timePhases(midl: MIDL, dense: Linear, inputs: (batch: number) => Tensor, batches: number[]): LayerPhases[] {
  const chosen = midl.inference;
  midl.inference = 'auto';
  try {
    return batches.map((batch) => phasesAt(midl, dense, inputs(batch)));
  } finally {
    midl.inference = chosen;
  }
}

function phasesAt(midl: MIDL, dense: Linear, input: Tensor): LayerPhases {
  const be = backend(), kernels = midlNeuronKernels();
  const B = input.shape[0], d = midl.inFeatures, n = midl.outFeatures, r = midl.rank, k = midl.currentK();
  const x = input.data;
  const z = new Float32Array(B * r), gates = new Float32Array(B * n), light = new Float32Array(B * n);
  const sel = new Int32Array(B * k), counts = new Int32Array(B), scratch = new Int32Array(B * k);
  const act = activationCode(midl.activation), strategy = MidlStrategy.auto;
  const p = midl.kernelParams();
  const head = (weight: Float32Array, bias: Float32Array, out: Float32Array) => (): void => {
    be.gemm(false, true, B, n, r, 1, z, weight, 0, out);
    be.biasAct(out, bias, B, n, Act.none, out);
  };
  // The real selection and gates of this batch, for the full path's inputs.
  be.gemm(false, true, B, r, d, 1, x, p.projWeight, 0, z);
  head(p.gateWeight, p.gateBias, gates)();
  head(p.lightWeight, p.lightBias, light)();
  const alpha = new Float32Array(B * n);
  kernels.sigmoid(gates, alpha);
  const plan = kernels.plan(d, n, r, p);
  kernels.inference(plan, x, B, k, midl.threshold, act, strategy, new Float32Array(B * n), counts, sel);
  // y holds the light path once; repeated blends into it cost the same as into a fresh copy.
  const y = Float32Array.from(light), sigmoidOut = new Float32Array(B * n);
  const [denseUs, midlUs, projectionUs, gateHeadUs, lightHeadUs, topkUs, sigmoidUs, fullPathUs] = sideBySideMicros([
    () => void noGrad(() => dense.forward(input)),
    () => void noGrad(() => midl.forward(input)),
    () => be.gemm(false, true, B, r, d, 1, x, p.projWeight, 0, z),
    head(p.gateWeight, p.gateBias, gates),
    head(p.lightWeight, p.lightBias, light),
    () => be.topkRows(gates, B, n, k, scratch),
    () => kernels.sigmoid(gates, sigmoidOut),
    () => kernels.sparseForward(x, B, d, p.weight, p.bias, n, alpha, sel, counts, k, act, strategy, y),
  ]);
  const fixed = projectionUs + gateHeadUs + lightHeadUs + topkUs + sigmoidUs;
  return {
    batch: B, dense_us: denseUs, midl_us: midlUs, projection_us: projectionUs, gate_head_us: gateHeadUs,
    light_head_us: lightHeadUs, topk_us: topkUs, sigmoid_us: sigmoidUs, full_path_us: fullPathUs,
    fixed_ratio: fixed / denseUs,
  };
}
