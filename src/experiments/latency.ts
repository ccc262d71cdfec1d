/** Inference latency of a model: many timed forwards after warm-up, in one process. */
import { copyExamples } from '../data/split.js';
import type { Split } from '../data/types.js';
import type { AnyModule } from '../nn/module.js';
import { Rng } from '../tensor/rng.js';
import { Tensor, noGrad } from '../tensor/tensor.js';

export interface LatencyStats {
  batch: number;
  median_ms: number;
  p95_ms: number;
  runs: number;
}

/**
 * `batch` examples of the split drawn by a fixed seed (cycling when it has fewer), as one
 * input tensor. Not the first ones: a split may be sorted by label (IMDB's test reviews
 * are, negative first), and MID-L's selection, so its speed, depends on the mix.
 */
export function batchFrom(split: Split, inputShape: number[], batch: number): Tensor {
  const f = inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(batch * f);
  copyExamples(split, batchIndices(split.count, batch), x);
  return new Tensor(x, [batch, ...inputShape]);
}

/** The examples batchFrom takes: the first `batch` of a permutation by seed 1, cycled. */
export function batchIndices(count: number, batch: number): Int32Array {
  const order = new Rng(1).permutation(count);
  return Int32Array.from({ length: batch }, (_, i) => order[i % count]);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Times model.forward in eval mode; runs adapt so each batch size takes about `budgetMs`. */
export function measureLatency(model: AnyModule, input: Tensor, o: { budgetMs?: number; maxRuns?: number } = {}): LatencyStats {
  model.eval();
  const once = (): number => {
    const t0 = process.hrtime.bigint();
    noGrad(() => model.forward(input));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const budgetMs = o.budgetMs ?? 400;
  const probe = Math.max(once(), once(), 1e-3);
  // At least 5 timed runs; slow models (a CNN at batch 256) stay near the budget.
  const runs = Math.max(5, Math.min(o.maxRuns ?? 2000, Math.floor(budgetMs / probe)));
  // Warm up for a quarter of the budget as well as a few runs: a batch-1 MLP forward ran
  // at up to twice its steady time for its first ~1,000 calls in a process (a pause
  // beforehand did not shorten that), which a fixed 50 warm-up runs left inside the timed ones.
  const warmUntil = performance.now() + budgetMs / 4;
  for (let i = 0; i < Math.min(50, Math.ceil(runs / 4)) || performance.now() < warmUntil; i++) once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(once());
  times.sort((a, b) => a - b);
  return { batch: input.shape[0], median_ms: percentile(times, 0.5), p95_ms: percentile(times, 0.95), runs };
}
