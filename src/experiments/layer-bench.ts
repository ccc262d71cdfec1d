/**
 * `midl bench layer`: one hidden layer at inference, side by side in one process: the
 * plain dense Linear (+ReLU), MID-L with its sparse kernel, and MID-L dense-then-mask,
 * with the same weights and inputs. Times are medians of many batched calls after warm-up,
 * the three measured in turn, round after round (timing.ts).
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
    const inference = (mode: 'auto' | 'masked') => (): void => {
      midl.inference = mode;
      noGrad(() => midl.forward(x));
    };
    const [denseUs, sparseUs, maskedUs] = sideBySideMicros([() => noGrad(() => dense.forward(x)), inference('auto'), inference('masked')]);
    midl.inference = 'auto';
    const [denseMs, sparseMs, maskedMs] = [denseUs / 1000, sparseUs / 1000, maskedUs / 1000];
    return { batch, dense_ms: denseMs, midl_sparse_ms: sparseMs, midl_masked_ms: maskedMs, time_ratio: sparseMs / denseMs, flops_ratio: flopsRatio };
  });
}
