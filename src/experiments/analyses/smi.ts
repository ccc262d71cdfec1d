/**
 * Sliced mutual information (Goldfeld & Greenewald, NeurIPS 2021) between a layer's
 * activations H (n examples x d features) and the label Y:
 *
 *   SMI(H; Y) = E_theta [ I(theta^T H; Y) ],  theta uniform on the unit sphere of R^d,
 *
 * estimated by the mean over m random directions of a one-dimensional MI estimate (see
 * mutual-information.ts), with its standard error over directions. Also the per-neuron
 * I(h_j; Y), to compare the neurons MID-L keeps with the ones it drops. All values in nats.
 */
import type { Rng } from '../../tensor/rng.js';
import { LabelMiEstimator, type MiEstimator, type MiOptions } from './mutual-information.js';

export { mutualInformation1d, DEFAULT_K, type MiEstimator, type MiOptions } from './mutual-information.js';

export interface SmiOptions extends MiOptions {
  /** Number m of random directions. */
  directions: number;
  /** Draws the directions, then (if maxExamples applies) the example subset. */
  rng: Rng;
  /** Estimate on a uniform random subset of at most this many examples. */
  maxExamples?: number;
}

export interface SmiResult {
  /** Mean over directions of the per-direction estimates (clamped at 0 only if asked). */
  smi: number;
  /** Sample standard deviation of perDirection / sqrt(m); NaN for a single direction. */
  stderr: number;
  directions: number;
  /** Examples that entered the estimate (after subsampling; labels seen once left out). */
  examples: number;
  dims: number;
  estimator: MiEstimator;
  /** kNN neighbour order; null for the KDE estimator. */
  k: number | null;
  /** Raw I(theta_t^T H; Y) for each direction t. */
  perDirection: Float64Array;
  /** The directions used, m x d row-major unit vectors (randomDirections with the same rng). */
  thetas: Float64Array;
}

/** m directions uniform on the unit sphere of R^d (normalised standard normal vectors), m x d row-major. */
export function randomDirections(count: number, dims: number, rng: Rng): Float64Array {
  const thetas = new Float64Array(count * dims);
  for (let t = 0; t < count; t++) {
    const theta = thetas.subarray(t * dims, (t + 1) * dims);
    let norm = 0;
    while (norm === 0) {
      norm = 0;
      for (let j = 0; j < dims; j++) {
        theta[j] = rng.normal();
        norm += theta[j] * theta[j];
      }
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < dims; j++) theta[j] /= norm;
  }
  return thetas;
}

/** SMI(H; Y) for h (n x d row-major) and labels (n); consumes draws from o.rng. */
export function slicedMutualInformation(h: Float32Array, n: number, d: number, labels: Int32Array, o: SmiOptions): SmiResult {
  checkShapes(h, n, d, labels);
  if (!Number.isInteger(o.directions) || o.directions < 1) {
    throw new RangeError(`sliced mutual information: directions must be an integer >= 1, got ${o.directions}`);
  }
  const thetas = randomDirections(o.directions, d, o.rng);
  const rows = chooseRows(n, o.maxExamples, o.rng);
  const estimator = new LabelMiEstimator(Int32Array.from(rows, (r) => labels[r]), { k: o.k, estimator: o.estimator });
  const projection = new Float64Array(rows.length);
  const perDirection = new Float64Array(o.directions);
  for (let t = 0; t < o.directions; t++) {
    project(h, d, rows, thetas.subarray(t * d, (t + 1) * d), projection);
    perDirection[t] = estimator.estimate(projection);
  }
  const { mean, stderr } = meanAndStderr(perDirection);
  return {
    smi: o.clampAtZero ? Math.max(0, mean) : mean,
    stderr,
    directions: o.directions,
    examples: estimator.examples,
    dims: d,
    estimator: estimator.estimator,
    k: estimator.estimator === 'knn' ? estimator.k : null,
    perDirection,
    thetas,
  };
}

/** I(h_j; Y) for every column j of h (n x d row-major); a constant column gives exactly 0. */
export function perNeuronMutualInformation(h: Float32Array, n: number, d: number, labels: Int32Array, o: MiOptions = {}): Float64Array {
  checkShapes(h, n, d, labels);
  const estimator = new LabelMiEstimator(labels, o);
  const column = new Float64Array(n);
  const result = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) column[i] = h[i * d + j];
    result[j] = estimator.estimate(column);
  }
  return result;
}

function checkShapes(h: Float32Array, n: number, d: number, labels: Int32Array): void {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 2 || d < 1) {
    throw new RangeError(`mutual information: need n >= 2 examples and d >= 1 features, got n=${n}, d=${d}`);
  }
  if (h.length !== n * d) throw new RangeError(`mutual information: h has ${h.length} values, expected n*d = ${n * d}`);
  if (labels.length !== n) throw new RangeError(`mutual information: ${labels.length} labels for ${n} examples`);
}

/** All rows, or a uniform random subset of maxExamples of them (in ascending order, for locality). */
function chooseRows(n: number, maxExamples: number | undefined, rng: Rng): Int32Array {
  if (maxExamples === undefined || maxExamples >= n) return Int32Array.from({ length: n }, (_, i) => i);
  if (!Number.isInteger(maxExamples) || maxExamples < 2) {
    throw new RangeError(`sliced mutual information: maxExamples must be an integer >= 2, got ${maxExamples}`);
  }
  return rng.permutation(n).subarray(0, maxExamples).sort();
}

function project(h: Float32Array, d: number, rows: Int32Array, theta: Float64Array, out: Float64Array): void {
  for (let i = 0; i < rows.length; i++) {
    const base = rows[i] * d;
    let dot = 0;
    for (let j = 0; j < d; j++) dot += theta[j] * h[base + j];
    out[i] = dot;
  }
}

function meanAndStderr(values: Float64Array): { mean: number; stderr: number } {
  const m = values.length;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= m;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  const stderr = m > 1 ? Math.sqrt(squares / (m - 1)) / Math.sqrt(m) : NaN;
  return { mean, stderr };
}
