/**
 * Mutual information, in nats, between a one-dimensional continuous variable X and a
 * discrete label Y, from samples. Two estimators:
 *
 * - 'knn' (default): Ross (2014), "Mutual information between discrete and continuous
 *   data sets", PLoS ONE 9(2): e87357.
 *     I = psi(N) - <psi(N_y)> + <psi(k_i)> - <psi(m_i)>
 *   For each point, d_i is the distance to its k-th nearest neighbour among points of the
 *   same label, k_i the number of same-label points within d_i and m_i the number of points
 *   of any label within d_i ("within" = distance <= d_i, the point itself excluded). Without
 *   ties k_i = k exactly, as in Ross; counting k_i the same way as m_i is what keeps the
 *   estimator finite on atoms (a ReLU's zeros): there d_i = 0, and k_i, m_i become the
 *   same-label and all-label sizes of the atom (the rule of Gao et al., NeurIPS 2017).
 *   In 1-D both counts are binary searches in sorted arrays: O(N log N) per call.
 *
 * - 'kde': plug-in with Gaussian kernel density estimates,
 *     I = (1/N) sum_i [ log f_{y_i}(x_i) - log f(x_i) ],  f = sum_y (N_y / N) f_y,
 *   one bandwidth per label by Silverman's rule of thumb, evaluated on a linearly binned
 *   grid (resubstitution: each point's own kernel is included).
 *
 * Labels seen only once are left out (no same-label neighbour exists). A constant X gives
 * exactly 0. Estimates are raw (they can be slightly negative) unless clampAtZero is set.
 */

export type MiEstimator = 'knn' | 'kde';

export interface MiOptions {
  /** Neighbour order of the kNN estimator (default 3): larger k, less variance, more bias. */
  k?: number;
  /** Default 'knn'. */
  estimator?: MiEstimator;
  /** Report max(0, estimate) instead of the raw estimate (default false). */
  clampAtZero?: boolean;
}

export const DEFAULT_K = 3;

/** Grid points of the binned KDE: its resolution is (max - min) / (KDE_GRID - 1). */
const KDE_GRID = 1024;
/** Gaussian kernels are cut at this many bandwidths (the dropped mass is below 1e-6). */
const KDE_CUTOFF = 5;
const EULER_GAMMA = 0.5772156649015329;

/**
 * Estimates I(X; Y) for one fixed label vector and many value vectors X (the directions of
 * SMI, the columns of a layer): labels are grouped and the digamma table is built once.
 */
export class LabelMiEstimator {
  /** Examples that enter the estimate (labels seen once are left out). */
  readonly examples: number;
  readonly estimator: MiEstimator;
  readonly k: number;
  private readonly clampAtZero: boolean;
  private readonly labelCount: number;
  private readonly members: Int32Array[];
  private readonly groupValues: Float64Array[];
  private readonly allValues: Float64Array;
  private readonly psi: Float64Array;

  constructor(labels: Int32Array, o: MiOptions = {}) {
    this.k = o.k ?? DEFAULT_K;
    this.estimator = o.estimator ?? 'knn';
    this.clampAtZero = o.clampAtZero ?? false;
    if (!Number.isInteger(this.k) || this.k < 1) throw new RangeError(`mutual information: k must be an integer >= 1, got ${this.k}`);
    if (this.estimator !== 'knn' && this.estimator !== 'kde') {
      throw new RangeError(`mutual information: estimator must be 'knn' or 'kde', got ${String(this.estimator)}`);
    }
    this.labelCount = labels.length;
    this.members = groupByLabel(labels);
    this.examples = this.members.reduce((sum, m) => sum + m.length, 0);
    this.groupValues = this.members.map((m) => new Float64Array(m.length));
    this.allValues = new Float64Array(this.examples);
    this.psi = digammaTable(this.examples);
  }

  /** The estimate in nats for values[i] paired with labels[i]. */
  estimate(values: ArrayLike<number>): number {
    if (values.length !== this.labelCount) {
      throw new RangeError(`mutual information: ${values.length} values but ${this.labelCount} labels`);
    }
    this.gatherSorted(values);
    const all = this.allValues;
    if (all.length < 2 || all[0] === all[all.length - 1]) return 0;
    const raw =
      this.estimator === 'knn'
        ? knnEstimate(this.groupValues, all, this.k, this.psi)
        : kdeEstimate(this.groupValues, all);
    return this.clampAtZero ? Math.max(0, raw) : raw;
  }

  private gatherSorted(values: ArrayLike<number>): void {
    let next = 0;
    for (let g = 0; g < this.members.length; g++) {
      const idx = this.members[g];
      const out = this.groupValues[g];
      for (let i = 0; i < idx.length; i++) {
        const v = values[idx[i]];
        if (!Number.isFinite(v)) throw new RangeError(`mutual information: value ${idx[i]} is not finite (${v})`);
        out[i] = v;
        this.allValues[next++] = v;
      }
      out.sort();
    }
    this.allValues.sort();
  }
}

/** I(X; Y) in nats for values[i] paired with labels[i]; see the module comment. */
export function mutualInformation1d(values: Float64Array | Float32Array, labels: Int32Array, o: MiOptions = {}): number {
  return new LabelMiEstimator(labels, o).estimate(values);
}

/** Example indices per label value (ascending label order), for labels seen at least twice. */
function groupByLabel(labels: Int32Array): Int32Array[] {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byLabel.get(labels[i]);
    if (list) list.push(i);
    else byLabel.set(labels[i], [i]);
  }
  return [...byLabel.entries()]
    .filter(([, list]) => list.length >= 2)
    .sort(([a], [b]) => a - b)
    .map(([, list]) => Int32Array.from(list));
}

/** psi(n) for n = 0..max (psi(0) unused): psi(1) = -gamma, psi(n + 1) = psi(n) + 1/n. */
function digammaTable(max: number): Float64Array {
  const psi = new Float64Array(max + 1);
  if (max >= 1) psi[1] = -EULER_GAMMA;
  for (let n = 1; n < max; n++) psi[n + 1] = psi[n] + 1 / n;
  return psi;
}

function knnEstimate(groups: Float64Array[], all: Float64Array, k: number, psi: Float64Array): number {
  const n = all.length;
  let sumPsiLabelSize = 0;
  let sumPsiSameLabel = 0;
  let sumPsiAnyLabel = 0;
  for (const sorted of groups) {
    const size = sorted.length;
    const kk = Math.min(k, size - 1);
    sumPsiLabelSize += size * psi[size];
    for (let p = 0; p < size; p++) {
      const x = sorted[p];
      const radius = kthNeighbourDistance(sorted, p, kk);
      sumPsiSameLabel += psi[countWithin(sorted, x, radius) - 1];
      sumPsiAnyLabel += psi[countWithin(all, x, radius) - 1];
    }
  }
  return psi[n] + (sumPsiSameLabel - sumPsiLabelSize - sumPsiAnyLabel) / n;
}

/** Distance from sorted[p] to its k-th nearest other element (k < sorted.length). */
function kthNeighbourDistance(sorted: Float64Array, p: number, k: number): number {
  const x = sorted[p];
  let left = p - 1;
  let right = p + 1;
  let distance = 0;
  for (let step = 0; step < k; step++) {
    const toLeft = left >= 0 ? x - sorted[left] : Infinity;
    const toRight = right < sorted.length ? sorted[right] - x : Infinity;
    if (toLeft <= toRight) {
      distance = toLeft;
      left--;
    } else {
      distance = toRight;
      right++;
    }
  }
  return distance;
}

/**
 * Number of elements a with |a - x| <= radius, x itself included. Distances are computed
 * as x - a or a - x, exactly as kthNeighbourDistance does, so the k-th neighbour is always
 * counted (rounding cannot push it outside its own radius).
 */
function countWithin(sorted: Float64Array, x: number, radius: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x - sorted[mid] <= radius) hi = mid;
    else lo = mid + 1;
  }
  const first = lo;
  hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] - x > radius) hi = mid;
    else lo = mid + 1;
  }
  return lo - first;
}

function kdeEstimate(groups: Float64Array[], all: Float64Array): number {
  const n = all.length;
  const min = all[0];
  const step = (all[n - 1] - min) / (KDE_GRID - 1);
  const densities = groups.map((sorted) => binnedDensity(sorted, min, step, silvermanBandwidth(sorted)));
  const mixture = new Float64Array(KDE_GRID);
  groups.forEach((sorted, g) => {
    const weight = sorted.length / n;
    for (let i = 0; i < KDE_GRID; i++) mixture[i] += weight * densities[g][i];
  });
  let sum = 0;
  groups.forEach((sorted, g) => {
    for (const x of sorted) {
      const position = (x - min) / step;
      sum += Math.log(interpolate(densities[g], position)) - Math.log(interpolate(mixture, position));
    }
  });
  return sum / n;
}

/**
 * Silverman's rule of thumb, 0.9 * min(sd, IQR / 1.349) * n^(-1/5), with the sd alone when
 * the IQR is 0 (more than half the points on one value). 0 for a constant label group,
 * whose kernel then collapses to one grid cell.
 */
function silvermanBandwidth(sorted: Float64Array): number {
  const size = sorted.length;
  let mean = 0;
  for (const x of sorted) mean += x;
  mean /= size;
  let squares = 0;
  for (const x of sorted) squares += (x - mean) * (x - mean);
  const sd = Math.sqrt(squares / (size - 1));
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  const spread = iqr > 0 ? Math.min(sd, iqr / 1.349) : sd;
  return 0.9 * spread * Math.pow(size, -0.2);
}

function quantile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/**
 * Gaussian KDE of the points on the grid min + i * step: linear binning, then a discrete
 * kernel normalised to integrate to 1 on the grid, so a bandwidth below the grid step
 * degrades to a histogram cell instead of losing mass.
 */
function binnedDensity(sorted: Float64Array, min: number, step: number, bandwidth: number): Float64Array {
  const counts = new Float64Array(KDE_GRID);
  for (const x of sorted) {
    const position = (x - min) / step;
    const cell = Math.min(Math.floor(position), KDE_GRID - 2);
    const frac = position - cell;
    counts[cell] += 1 - frac;
    counts[cell + 1] += frac;
  }
  const halfWidth = Math.min(KDE_GRID - 1, Math.ceil((KDE_CUTOFF * bandwidth) / step));
  const kernel = new Float64Array(halfWidth + 1);
  let kernelSum = 0;
  for (let j = 0; j <= halfWidth; j++) {
    const u = j === 0 ? 0 : (j * step) / bandwidth;
    kernel[j] = Math.exp(-0.5 * u * u);
    kernelSum += j === 0 ? kernel[j] : 2 * kernel[j];
  }
  const scale = 1 / (kernelSum * step * sorted.length);
  const density = new Float64Array(KDE_GRID);
  for (let cell = 0; cell < KDE_GRID; cell++) {
    const c = counts[cell];
    if (c === 0) continue;
    const from = Math.max(0, cell - halfWidth);
    const to = Math.min(KDE_GRID - 1, cell + halfWidth);
    for (let i = from; i <= to; i++) density[i] += c * kernel[Math.abs(i - cell)];
  }
  for (let i = 0; i < KDE_GRID; i++) density[i] *= scale;
  return density;
}

function interpolate(grid: Float64Array, position: number): number {
  const cell = Math.min(Math.floor(position), grid.length - 2);
  const frac = position - cell;
  return (1 - frac) * grid[cell] + frac * grid[cell + 1];
}
