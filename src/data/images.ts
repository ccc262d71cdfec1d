/** Raw image splits and their preprocessing: [0,1] scaling, then per-channel standardisation fitted on train. */
import type { Dataset, Split } from './types.js';

/** Images as bytes, each example stored as C planes of H rows of W pixels (CHW). */
export interface RawImages {
  pixels: Uint8Array;
  labels: Int32Array;
  count: number;
  shape: [number, number, number];
}

export interface ChannelStats {
  mean: number[];
  std: number[];
}

/** Per-channel mean and (population) standard deviation of train pixels on the [0,1] scale. */
export function channelStats(images: RawImages): ChannelStats {
  const [channels, h, w] = images.shape;
  const plane = h * w;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    // A histogram of the 256 byte values makes the sums exact and the pass cheap.
    const hist = new Float64Array(256);
    for (let n = 0; n < images.count; n++) {
      const start = (n * channels + c) * plane;
      for (let i = start; i < start + plane; i++) hist[images.pixels[i]]++;
    }
    let total = 0;
    let sum = 0;
    let sumSq = 0;
    for (let v = 0; v < 256; v++) {
      const scaled = v / 255;
      total += hist[v];
      sum += hist[v] * scaled;
      sumSq += hist[v] * scaled * scaled;
    }
    const m = total > 0 ? sum / total : 0;
    const variance = total > 0 ? Math.max(0, sumSq / total - m * m) : 0;
    mean.push(m);
    std.push(variance > 1e-12 ? Math.sqrt(variance) : 1);
  }
  return { mean, std };
}

/** Applies (p/255 - mean[c]) / std[c] to every pixel, through a 256-entry table per channel. */
export function normalizeImages(images: RawImages, stats: ChannelStats): Split {
  const [channels, h, w] = images.shape;
  const plane = h * w;
  const x = new Float32Array(images.count * channels * plane);
  const tables = stats.mean.map((m, c) => Float32Array.from({ length: 256 }, (_, v) => (v / 255 - m) / stats.std[c]));
  for (let n = 0; n < images.count; n++) {
    for (let c = 0; c < channels; c++) {
      const table = tables[c];
      const start = (n * channels + c) * plane;
      for (let i = start; i < start + plane; i++) x[i] = table[images.pixels[i]];
    }
  }
  return { x, y: images.labels, count: images.count };
}

/** Per-class example counts. */
export function classCounts(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of labels) counts[label]++;
  return counts;
}

/** The note recording the fitted statistics. */
export function statsNote(stats: ChannelStats): string {
  const f = (a: number[]): string => a.map((v) => v.toFixed(4)).join('/');
  return `pixels scaled to [0,1], then standardised per channel with train mean ${f(stats.mean)} and std ${f(stats.std)}`;
}

/** A Dataset from raw image splits, standardised with statistics fitted on train only. */
export function imageDataset(
  base: Pick<Dataset, 'name' | 'numClasses' | 'classNames' | 'files' | 'notes'>,
  train: RawImages,
  test: RawImages,
): Dataset {
  const stats = channelStats(train);
  return {
    ...base,
    inputShape: [...train.shape],
    train: normalizeImages(train, stats),
    test: normalizeImages(test, stats),
    notes: [...base.notes, statsNote(stats)],
  };
}
