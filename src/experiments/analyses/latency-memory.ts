/**
 * Inference latency and memory of a benchmark's models, side by side in one process
 * (docs/method.md section 4). Latency: after a warm-up the models take turns in blocks of
 * consecutive timed forwards, several blocks each, so drifting load on a shared machine hits
 * them alike; each block starts with untimed forwards, so one model's idling thread pools
 * do not slow the next model's first runs. Memory:
 * - param_bytes: the stored parameters (float32), all of which MID-L may read, since any
 *   neuron can be selected; param_bytes_read_per_example: what one example reads (MID-L: the
 *   low-rank path and its selected rows; static: its kept rows);
 * - activation_bytes_per_example: the most bytes live at once during one forward, from an
 *   instrumented forward: over the steps a forward runs (each layer; MID-L as one), the
 *   largest input + output + scratch; an output that is a view of its input (Flatten) adds
 *   nothing. Scratch is counted for the sparse layers only: MID-L's z, gate logits, gates and
 *   selection; static sparsity's compact kept-row output. Convolution scratch (one image's
 *   im2col columns per thread) is the same in every variant and not counted;
 * - peak_rss_bytes: the process's peak resident memory (process-wide, only indicative).
 */
import * as os from 'node:os';
import type { Split } from '../../data/types.js';
import { MIDL } from '../../midl/layer.js';
import { StaticSparseLinear } from '../../midl/static-sparse.js';
import type { AnyModule } from '../../nn/module.js';
import { sharesMemory } from '../../tensor/pool.js';
import { Tensor, noGrad } from '../../tensor/tensor.js';
import { batchFrom } from '../latency.js';
import type { LatencyRecord, ModelKind } from '../results.js';
import { otherCpuMeter } from '../machine.js';
import { forwardSteps, withForwardHook } from './hidden.js';

const FLOAT_BYTES = 4;

export interface BenchSubject {
  model: ModelKind;
  net: AnyModule;
}

export interface TimingSettings {
  batches: number[];
  /** Time budget of the timed rounds per batch size, all models together. */
  budgetMs: number;
  minRuns: number;
  maxRuns: number;
  /** Untimed forwards per model before timing. */
  warmup: number;
  /** Blocks each model's timed runs are split into (the models alternate between blocks). */
  blocks: number;
}

/** Untimed forwards at the start of each block. */
const BLOCK_LEAD_IN = 2;

export interface LatencyStudyRecord extends LatencyRecord {
  /** Timed forwards behind the median and p95. */
  runs: number;
  param_bytes_read_per_example: number;
  /** Bytes of all outputs and scratch one example's forward writes. */
  activation_bytes_written_per_example: number;
}

function timeOnce(net: AnyModule, input: Tensor): number {
  const t0 = process.hrtime.bigint();
  noGrad(() => net.forward(input));
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** The value below which a share p of the sorted times lies (nearest rank). */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Median and p95 latency of each net on the same input, timed in alternating blocks. */
export function alternatingLatency(nets: AnyModule[], input: Tensor, s: TimingSettings): { median_ms: number; p95_ms: number; runs: number }[] {
  for (const net of nets) net.eval();
  for (let w = 0; w < s.warmup; w++) for (const net of nets) timeOnce(net, input);
  const round = nets.reduce((sum, net) => sum + Math.max(timeOnce(net, input), 1e-3), 0);
  const runs = Math.max(s.minRuns, Math.min(s.maxRuns, Math.floor(s.budgetMs / round)));
  const blocks = Math.max(1, Math.min(s.blocks, runs));
  const times = nets.map((): number[] => []);
  for (let b = 0; b < blocks; b++) {
    const share = Math.floor((runs * (b + 1)) / blocks) - Math.floor((runs * b) / blocks);
    nets.forEach((net, i) => {
      for (let w = 0; w < BLOCK_LEAD_IN; w++) timeOnce(net, input);
      for (let r = 0; r < share; r++) times[i].push(timeOnce(net, input));
    });
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return { median_ms: percentile(t, 0.5), p95_ms: percentile(t, 0.95), runs };
  });
}

/** Scratch bytes per example a step allocates besides its output. */
function scratchBytes(step: AnyModule): number {
  if (step instanceof MIDL) return FLOAT_BYTES * (step.rank + 2 * step.outFeatures + step.currentK());
  if (step instanceof StaticSparseLinear) return FLOAT_BYTES * step.kept.length;
  return 0;
}

/** Peak live and total written activation bytes per example, from one instrumented forward of the batch. */
export function activationBytes(net: AnyModule, input: Tensor): { peak: number; written: number } {
  const batch = input.shape[0];
  let peak = 0;
  let written = 0;
  net.eval();
  withForwardHook(forwardSteps(net), (step, x, y) => {
    const bytesIn = x.data.byteLength / batch;
    const bytesOut = sharesMemory(x.data, y.data) ? 0 : y.data.byteLength / batch;
    const scratch = scratchBytes(step);
    peak = Math.max(peak, bytesIn + bytesOut + scratch);
    written += bytesOut + scratch;
  }, () => noGrad(() => net.forward(input)));
  return { peak: Math.round(peak), written: Math.round(written) };
}

/** Parameter bytes one example's forward reads. */
export function parameterBytesRead(net: AnyModule): number {
  return forwardSteps(net).reduce((sum, step) => {
    if (step instanceof MIDL) {
      const active = step.activity.examples > 0 ? step.activity.meanActive() : step.currentK();
      const lowRank = step.proj.parameterCount() + step.gate.parameterCount() + step.light.parameterCount();
      return sum + FLOAT_BYTES * (lowRank + active * (step.inFeatures + 1));
    }
    if (step instanceof StaticSparseLinear) return sum + FLOAT_BYTES * step.kept.length * (step.inFeatures + 1);
    return sum + FLOAT_BYTES * step.parameterCount();
  }, 0);
}

/** Peak resident memory of this process so far, bytes (maxRSS is in KiB). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Latency per batch size and memory of each subject, on batches drawn from the split. */
export function benchModels(
  dataset: string, subjects: BenchSubject[], split: Split, inputShape: number[], s: TimingSettings,
): LatencyStudyRecord[] {
  const memory = subjects.map((sub) => {
    const acts = activationBytes(sub.net, batchFrom(split, inputShape, 8));
    return {
      param_bytes: FLOAT_BYTES * sub.net.parameterCount(),
      param_bytes_read_per_example: Math.round(parameterBytesRead(sub.net)),
      activation_bytes_per_example: acts.peak,
      activation_bytes_written_per_example: acts.written,
    };
  });
  const otherCpu = otherCpuMeter();
  const timings = s.batches.map((batch) => alternatingLatency(subjects.map((sub) => sub.net), batchFrom(split, inputShape, batch), s));
  const rss = peakRssBytes();
  const load = os.loadavg()[0];
  const other = otherCpu() ?? undefined;
  return s.batches.flatMap((batch, b) =>
    subjects.map((sub, i) => ({
      dataset, model: sub.model, batch, ...timings[b][i], ...memory[i], peak_rss_bytes: rss, load_average: load,
      other_cpu: other,
    })),
  );
}
