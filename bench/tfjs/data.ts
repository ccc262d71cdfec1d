// The TF.js baseline's data: MNIST (IDX) and CIFAR-10 (binary batches), read as bench.py reads them.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { channelStats, type ChannelStats } from '../../src/data/images.js';

export const DEFAULT_DATA_DIR = '/work/shared/data/mnist';
export const DEFAULT_CIFAR10_DIR = '/work/shared/data/cifar-10/cifar-10-batches-bin';
const MNIST_MEAN = 0.1307;
const MNIST_STD = 0.3081;

// ------------------------------------------------------------------ MNIST (IDX)

interface MnistSplit {
  /** count x 784, scaled to [0,1] then normalized with the usual MNIST mean/std */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

function readIdx(path: string): { dims: number[]; data: Uint8Array } {
  const raw = gunzipSync(readFileSync(path));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0);
  if (magic >> 8 !== 0x08) {
    throw new Error(`${path}: not an unsigned-byte IDX file (magic 0x${magic.toString(16)})`);
  }
  const dims = Array.from({ length: magic & 0xff }, (_, i) => view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * dims.length;
  const size = dims.reduce((a, b) => a * b, 1);
  if (raw.byteLength - offset !== size) {
    throw new Error(`${path}: ${raw.byteLength - offset} bytes of data, header says ${dims.join('x')}`);
  }
  return { dims, data: raw.subarray(offset) };
}

export function loadMnist(dataDir: string, split: 'train' | 'test'): MnistSplit {
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = readIdx(join(dataDir, `${prefix}-images-idx3-ubyte.gz`));
  const labels = readIdx(join(dataDir, `${prefix}-labels-idx1-ubyte.gz`));
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = (images.data[i] / 255 - MNIST_MEAN) / MNIST_STD;
  }
  return { images: pixels, labels: labels.data, count: images.dims[0] };
}

/** Fisher-Yates over 0..n-1 driven by a 32-bit LCG: reproducible for a seed, nothing more. */
export function seededPermutation(n: number, seed: number): Int32Array {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

// ------------------------------------------------------------------ CIFAR-10 (binary)

const CIFAR_PLANE = 32 * 32;
export const CIFAR_PIXELS = 3 * CIFAR_PLANE;

interface CifarRaw {
  /** count x 3 x 32 x 32 bytes, as stored (CHW) */
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32x32), files in order. */
function readCifar10Records(files: string[]): CifarRaw {
  const record = 1 + CIFAR_PIXELS;
  const buffers = files.map((file) => {
    const buf = readFileSync(file);
    if (buf.length === 0 || buf.length % record !== 0) {
      throw new Error(`${file}: size ${buf.length} is not a multiple of the ${record}-byte record`);
    }
    return buf;
  });
  const count = buffers.reduce((n, b) => n + b.length / record, 0);
  const pixels = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const buf of buffers) {
    for (let offset = 0; offset < buf.length; offset += record, n++) {
      labels[n] = buf[offset];
      pixels.set(buf.subarray(offset + 1, offset + record), n * CIFAR_PIXELS);
    }
  }
  return { pixels, labels, count };
}

/**
 * The per-channel statistics the other sides use, from midl's own preprocessing code
 * (src/data/images.ts), so the three sides train on bit-identical inputs.
 */
function cifarChannelStats(raw: CifarRaw): ChannelStats {
  return channelStats({ pixels: raw.pixels, labels: Int32Array.from(raw.labels), count: raw.count, shape: [3, 32, 32] });
}

function cifarNormalizeNhwc(raw: CifarRaw, stats: ChannelStats): Float32Array {
  const tables = stats.mean.map((m, c) => Float32Array.from({ length: 256 }, (_, v) => (v / 255 - m) / stats.std[c]));
  const out = new Float32Array(raw.count * CIFAR_PIXELS);
  for (let n = 0; n < raw.count; n++) {
    for (let c = 0; c < 3; c++) {
      const table = tables[c];
      const from = n * CIFAR_PIXELS + c * CIFAR_PLANE;
      for (let i = 0; i < CIFAR_PLANE; i++) out[n * CIFAR_PIXELS + i * 3 + c] = table[raw.pixels[from + i]];
    }
  }
  return out;
}

/** The training batches present (data_batch_1.bin..5) and test_batch.bin, as midl's loadDataset('cifar10'). */
export function loadCifar10(dir: string) {
  const trainFiles = [1, 2, 3, 4, 5].map((i) => join(dir, `data_batch_${i}.bin`)).filter((f) => existsSync(f));
  if (trainFiles.length === 0) throw new Error(`${dir}: no CIFAR-10 training batch (data_batch_1.bin..data_batch_5.bin)`);
  const train = readCifar10Records(trainFiles);
  const test = readCifar10Records([join(dir, 'test_batch.bin')]);
  const stats = cifarChannelStats(train);
  return {
    train: { images: cifarNormalizeNhwc(train, stats), labels: train.labels, count: train.count },
    test: { images: cifarNormalizeNhwc(test, stats), labels: test.labels, count: test.count },
    stats,
  };
}
