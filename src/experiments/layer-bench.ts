/**
 * `midl bench layer`: one hidden layer at inference, side by side in one process: the
 * plain dense Linear (+ReLU), MID-L with its sparse kernel, and MID-L dense-then-mask,
 * with the same weights and inputs. Times are medians of many batched calls after warm-up.
 */
import { Linear } from '../nn/linear.js';
import { MIDL } from '../midl/layer.js';
import { Rng } from '../tensor/rng.js';
import { Tensor, noGrad } from '../tensor/tensor.js';
import { medianMicros } from './timing.js';

export interface LayerBenchRow {
  batch: number;
  dense_ms: number;
  midl_sparse_ms: number;
  midl_masked_ms: number;
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
  const flopsRatio = midl.inferenceMacs(k) / (inF * outF);
  return batches.map((batch) => {
    const x = new Tensor(rng.fillNormal(new Float32Array(batch * inF)), [batch, inF]);
    const time = (fn: () => void): number => medianMicros(() => noGrad(fn)) / 1000;
    const denseMs = time(() => dense.forward(x));
    midl.inference = 'auto';
    const sparseMs = time(() => midl.forward(x));
    midl.inference = 'masked';
    const maskedMs = time(() => midl.forward(x));
    midl.inference = 'auto';
    return { batch, dense_ms: denseMs, midl_sparse_ms: sparseMs, midl_masked_ms: maskedMs, time_ratio: sparseMs / denseMs, flops_ratio: flopsRatio };
  });
}
