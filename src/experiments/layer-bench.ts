/**
 * `midl bench layer`: one hidden layer at inference, side by side in one process: the
 * plain dense Linear (+ReLU), MID-L with its sparse kernel, and MID-L dense-then-mask,
 * with the same weights and inputs. Times are medians of many batched calls after warm-up,
 * the layers measured in turn, round after round (timing.ts).
 *
 * For reference it also times a dense Linear with only k outputs: MID-L's full-path FLOPs
 * run as a register-blocked dense product, the fastest those FLOPs can go here. MID-L's
 * sparse time can only approach it (plus its low-rank heads and top-k), since each of its
 * selected products needs a load per multiply-add (docs/benchmarks.md).
 */
import { Linear } from '../nn/linear.js';
import { MIDL } from '../midl/layer.js';
import { Rng } from '../tensor/rng.js';
import { Tensor, noGrad } from '../tensor/tensor.js';
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
  /** MID-L FLOPs / dense FLOPs (MIDL.md section 2). */
  flops_ratio: number;
}

export function benchLayer(inF: number, outF: number, keep: number, batches: number[], seed = 1): LayerBenchRow[] {
  const rng = new Rng(seed);
  const dense = new Linear(inF, outF, { activation: 'relu', rng }).eval();
  const midl = new MIDL(inF, outF, { keep, rng }).eval();
  dense.weight.data.set(midl.weight.data);
  (dense.bias as Tensor).data.set(midl.bias.data);
  const k = midl.currentK();
  const denseK = new Linear(inF, k, { activation: 'relu', rng }).eval();
  denseK.weight.data.set(midl.weight.data.subarray(0, k * inF));
  (denseK.bias as Tensor).data.set(midl.bias.data.subarray(0, k));
  const flopsRatio = midl.inferenceMacs(k) / (inF * outF);
  return batches.map((batch) => {
    const x = new Tensor(rng.fillNormal(new Float32Array(batch * inF)), [batch, inF]);
    const inference = (mode: 'auto' | 'masked') => (): void => {
      midl.inference = mode;
      noGrad(() => midl.forward(x));
    };
    const forward = (layer: Linear) => (): void => void noGrad(() => layer.forward(x));
    const [denseMs, sparseMs, maskedMs, denseKMs] = sideBySideMicros([
      forward(dense), inference('auto'), inference('masked'), forward(denseK),
    ]).map((us) => us / 1000);
    midl.inference = 'auto';
    return {
      batch, dense_ms: denseMs, midl_sparse_ms: sparseMs, midl_masked_ms: maskedMs, dense_k_ms: denseKMs,
      time_ratio: sparseMs / denseMs, flops_ratio: flopsRatio,
    };
  });
}
