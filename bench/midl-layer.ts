/**
 * One MID-L layer at inference against the dense layer it replaces (MIDL.md sections 2-3),
 * on the native backend: dense = gemm + bias/ReLU; kernel = midlSparseForward alone (light
 * path, gates and selection precomputed), per strategy; layer = the whole sparse cost:
 * z = x V^T, gate logits = z G^T + b_g, light = z U^T + b_l, top-k, sigmoid of the
 * selected gates, then the kernel.
 */
import type { Backend, MidlStrategyCode } from '../src/backend/backend.js';
import { Act, MidlStrategy } from '../src/backend/backend.js';
import { loadNativeBackend } from '../src/backend/native.js';
import { Rng } from '../src/tensor/rng.js';
import { medianMicros } from '../src/experiments/timing.js';

export interface MidlLayerResult {
  inputs: number;
  outputs: number;
  keep: number;
  rank: number;
  batch: number;
  threads: number;
  dense_us: number;
  /** midlSparseForward with strategy auto. */
  kernel_us: number;
  gather_us: number;
  neuron_us: number;
  /** The whole sparse layer: low-rank products, top-k, gate sigmoid and the kernel. */
  layer_us: number;
  kernel_ratio: number;
  layer_ratio: number;
}

const KEEP = 0.45;
const OUTPUTS = 512;
const SHAPES = [784, 2048];
const BATCHES = [1, 8, 64, 256];

/** MIDL.md section 2: the largest r with r (d + 2n) <= n d / 8, at least 8, at most min(d, n). */
function defaultRank(d: number, n: number): number {
  return Math.min(d, n, Math.max(8, Math.floor((n * d) / 8 / (d + 2 * n))));
}

class LayerFixture {
  readonly k: number;
  readonly r: number;
  readonly x: Float32Array;
  readonly W: Float32Array;
  readonly b: Float32Array;
  readonly V: Float32Array;
  readonly G: Float32Array;
  readonly bg: Float32Array;
  readonly U: Float32Array;
  readonly bl: Float32Array;
  readonly z: Float32Array;
  readonly gate: Float32Array;
  readonly y: Float32Array;
  readonly sel: Int32Array;
  readonly counts: Int32Array;

  constructor(readonly be: Backend, readonly d: number, readonly n: number, readonly B: number, rng: Rng) {
    this.k = Math.max(1, Math.round(KEEP * n));
    this.r = defaultRank(d, n);
    const normal = (size: number, std: number) => rng.fillNormal(new Float32Array(size), 0, std);
    this.x = normal(B * d, 1);
    this.W = normal(n * d, 1 / Math.sqrt(d));
    this.b = normal(n, 0.1);
    this.V = normal(this.r * d, 1 / Math.sqrt(d));
    this.G = normal(n * this.r, 1 / Math.sqrt(this.r));
    this.bg = normal(n, 0.1);
    this.U = normal(n * this.r, 1 / Math.sqrt(this.r));
    this.bl = normal(n, 0.1);
    this.z = new Float32Array(B * this.r);
    this.gate = new Float32Array(B * n);
    this.y = new Float32Array(B * n);
    this.sel = new Int32Array(B * this.k);
    this.counts = new Int32Array(B).fill(this.k);
    this.lightAndGates();
  }

  dense(): void {
    const { be, B, n, d } = this;
    be.gemm(false, true, B, n, d, 1, this.x, this.W, 0, this.y);
    be.biasAct(this.y, this.b, B, n, Act.relu, this.y);
  }

  /** Everything before the kernel: low-rank products, top-k on the gate logits, sigmoid of the chosen gates. */
  lightAndGates(): void {
    const { be, B, n, d, r, k } = this;
    be.gemm(false, true, B, r, d, 1, this.x, this.V, 0, this.z);
    be.gemm(false, true, B, n, r, 1, this.z, this.G, 0, this.gate);
    be.biasAct(this.gate, this.bg, B, n, Act.none, this.gate);
    be.gemm(false, true, B, n, r, 1, this.z, this.U, 0, this.y);
    be.biasAct(this.y, this.bl, B, n, Act.none, this.y);
    // sigmoid is monotonic, so the top-k of the logits is the top-k of the gates.
    be.topkRows(this.gate, B, n, k, this.sel);
    for (let i = 0; i < B; i++) {
      for (let t = 0; t < k; t++) {
        const at = i * n + this.sel[i * k + t];
        this.gate[at] = 1 / (1 + Math.exp(-this.gate[at]));
      }
    }
  }

  kernel(strategy: MidlStrategyCode): void {
    const { be, B, n, d, k } = this;
    be.midlSparseForward(this.x, B, d, this.W, this.b, n, this.gate, this.sel, this.counts, k, Act.relu, strategy, this.y);
  }
}

export function benchMidlLayerKernel(): MidlLayerResult[] {
  const be = loadNativeBackend();
  const rng = new Rng(7);
  const results: MidlLayerResult[] = [];
  for (const d of SHAPES) {
    for (const B of BATCHES) {
      const f = new LayerFixture(be, d, OUTPUTS, B, rng);
      // Repeated kernel calls blend into y again; harmless for timing.
      const dense = medianMicros(() => f.dense());
      const kernel = medianMicros(() => f.kernel(MidlStrategy.auto));
      const gather = medianMicros(() => f.kernel(MidlStrategy.gather));
      const neuron = medianMicros(() => f.kernel(MidlStrategy.neuron));
      const layer = medianMicros(() => {
        f.lightAndGates();
        f.kernel(MidlStrategy.auto);
      });
      results.push({
        inputs: d, outputs: OUTPUTS, keep: KEEP, rank: f.r, batch: B, threads: be.getThreads(),
        dense_us: dense, kernel_us: kernel, gather_us: gather, neuron_us: neuron, layer_us: layer,
        kernel_ratio: kernel / dense, layer_ratio: layer / dense,
      });
    }
  }
  return results;
}
