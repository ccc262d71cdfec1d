/**
 * `midl bench layer`: one hidden layer at inference, side by side in one process: the
 * plain dense Linear (+ReLU), MID-L with its sparse kernel, and MID-L dense-then-mask,
 * with the same weights and inputs: a random layer, or each MID-L layer of a trained
 * model on its real inputs. Times are medians of many batched calls after warm-up,
 * the layers measured in turn, round after round (timing.ts).
 *
 * For reference it also times a dense Linear with only k outputs: MID-L's full-path FLOPs
 * run as a register-blocked dense product, the fastest those FLOPs can go here. MID-L's
 * sparse time can only approach it (plus its low-rank heads and top-k), since each of its
 * selected products needs a load per multiply-add (docs/benchmarks.md).
 */
import type { Split } from '../data/types.js';
import { Linear } from '../nn/linear.js';
import type { Sequential } from '../nn/sequential.js';
import { MIDL } from '../midl/layer.js';
import { Rng } from '../tensor/rng.js';
import { Tensor, noGrad } from '../tensor/tensor.js';
import { batchFrom } from './latency.js';
import { timePhases, type LayerPhases } from './layer-phases.js';
import { sideBySideMicros } from './timing.js';

export interface LayerBenchRow {
  batch: number;
  dense_ms: number;
  midl_sparse_ms: number;
  midl_masked_ms: number;
  /** A dense Linear with k = keep * n outputs (the full path's FLOPs as one dense product). */
  dense_k_ms: number;
  /** MID-L sparse time / dense time. */
  time_ratio: number;
  /** MID-L FLOPs / dense FLOPs (docs/method.md section 2). */
  flops_ratio: number;
}

/** A random layer (blockSize: MIDL's block selection, 1 = per neuron) at each batch size. */
export function benchLayer(inF: number, outF: number, keep: number, batches: number[], seed = 1, blockSize = 1): LayerBenchRow[] {
  const { midl, inputs, rng } = randomLayer(inF, outF, keep, seed, blockSize);
  return timeLayer(midl, inputs, batches, rng);
}

/** Where a random layer's eval time goes (layer-phases.ts), at each batch size. */
export function benchLayerPhases(inF: number, outF: number, keep: number, batches: number[], seed = 1): LayerPhases[] {
  const { midl, inputs, rng } = randomLayer(inF, outF, keep, seed);
  return timePhases(midl, denseTwin(midl, rng), inputs, batches);
}

/** A random MID-L layer in eval mode and standard-normal inputs for it. */
function randomLayer(
  inF: number, outF: number, keep: number, seed: number, blockSize = 1,
): { midl: MIDL; inputs: (batch: number) => Tensor; rng: Rng } {
  const rng = new Rng(seed);
  const midl = new MIDL(inF, outF, { keep, rng, blockSize }).eval();
  return { midl, inputs: (batch) => new Tensor(rng.fillNormal(new Float32Array(batch * inF)), [batch, inF]), rng };
}

/** One MID-L layer of a trained model, timed on its real inputs. */
export interface TrainedLayerBench {
  /** The layer's name in the model (its state-dict prefix). */
  layer: string;
  in: number;
  out: number;
  keep: number;
  rows: LayerBenchRow[];
  /** With phases: where the layer's time goes (layer-phases.ts). */
  phases?: LayerPhases[];
}

/**
 * benchLayer for every MID-L layer of a trained Sequential model, each on its real inputs:
 * examples of `test` (batchFrom), taken through the layers before it. Trained layers
 * select some neurons far more often than others, which the sparse kernel exploits (dense
 * columns); random layers select uniformly.
 */
export function benchTrainedLayers(
  model: Sequential, test: Split, inputShape: number[], batches: number[], phases = false,
): TrainedLayerBench[] {
  model.eval();
  const out: TrainedLayerBench[] = [];
  model.layers.forEach((layer, index) => {
    if (!(layer instanceof MIDL)) return;
    const input = (batch: number): Tensor =>
      noGrad(() => model.layers.slice(0, index).reduce((h, m) => m.forward(h), batchFrom(test, inputShape, batch)));
    const rows = timeLayer(layer, input, batches, new Rng(1));
    const bench: TrainedLayerBench = { layer: String(index), in: layer.inFeatures, out: layer.outFeatures, keep: layer.keep, rows };
    if (phases) bench.phases = timePhases(layer, denseTwin(layer, new Rng(1)), input, batches);
    out.push(bench);
  });
  return out;
}

/**
 * The MID-L layer against a dense Linear with its weight and bias (and activation), and
 * a dense Linear with its first k rows, on inputs(batch).
 */
function timeLayer(midl: MIDL, inputs: (batch: number) => Tensor, batches: number[], rng: Rng): LayerBenchRow[] {
  const inF = midl.inFeatures, outF = midl.outFeatures;
  const dense = denseTwin(midl, rng);
  const k = midl.currentK();
  const denseK = new Linear(inF, k, { activation: midl.activation, rng }).eval();
  denseK.weight.data.set(midl.weight.data.subarray(0, k * inF));
  (denseK.bias as Tensor).data.set(midl.bias.data.subarray(0, k));
  const flopsRatio = midl.inferenceMacs(k) / (inF * outF);
  const chosen = midl.inference;
  return batches.map((batch) => {
    const x = inputs(batch);
    const inference = (mode: 'auto' | 'masked') => (): void => {
      midl.inference = mode;
      noGrad(() => midl.forward(x));
    };
    const forward = (layer: Linear) => (): void => void noGrad(() => layer.forward(x));
    const [denseMs, sparseMs, maskedMs, denseKMs] = sideBySideMicros([
      forward(dense), inference('auto'), inference('masked'), forward(denseK),
    ]).map((us) => us / 1000);
    midl.inference = chosen;
    return {
      batch, dense_ms: denseMs, midl_sparse_ms: sparseMs, midl_masked_ms: maskedMs, dense_k_ms: denseKMs,
      time_ratio: sparseMs / denseMs, flops_ratio: flopsRatio,
    };
  });
}

/** A dense Linear with the MID-L layer's full-path weight, bias and activation. */
function denseTwin(midl: MIDL, rng: Rng): Linear {
  const dense = new Linear(midl.inFeatures, midl.outFeatures, { activation: midl.activation, rng }).eval();
  dense.weight.data.set(midl.weight.data);
  (dense.bias as Tensor).data.set(midl.bias.data);
  return dense;
}
