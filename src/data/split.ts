/**
 * Reading a split's inputs whatever its representation: dense float32 features, image bytes
 * decoded through their per-channel table (see PixelBytes), or sparse rows filled in with zeros. Every reader returns the same float32
 * values for an example, so code built on them does not care which one it got.
 */
import type { PixelBytes, SparseRows, Split } from './types.js';

/** Values per example of a split. */
export function featureSize(split: Split): number {
  if (split.pixels !== undefined) return split.pixels.shape[0] * split.pixels.shape[1] * split.pixels.shape[2];
  if (split.rows !== undefined) return split.rows.width;
  return split.count === 0 ? 0 : split.x.length / split.count;
}

/** The table's 256-entry block of each channel. */
function channelTables(p: PixelBytes): Float32Array[] {
  return Array.from({ length: p.shape[0] }, (_, c) => p.table.subarray(c * 256, (c + 1) * 256));
}

const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * The bytes as 32-bit words when every plane starts and ends on a word boundary (and the
 * platform is little-endian, so a word's low byte comes first), else null. Reading four pixels
 * per load decodes about 1.4x faster than a byte loop.
 */
function wordView(p: PixelBytes): Uint32Array | null {
  const plane = p.shape[1] * p.shape[2];
  if (!littleEndian || plane % 4 !== 0 || p.bytes.byteOffset % 4 !== 0) return null;
  return new Uint32Array(p.bytes.buffer, p.bytes.byteOffset, Math.floor(p.bytes.length / 4));
}

/** Decodes image n of p into out[at .. at + C*H*W); words is wordView(p). */
function decodeImage(p: PixelBytes, tables: Float32Array[], words: Uint32Array | null, n: number, out: Float32Array, at: number): void {
  const bytes = p.bytes;
  const plane = p.shape[1] * p.shape[2];
  let src = n * tables.length * plane;
  let dst = at;
  for (const table of tables) {
    const end = dst + plane;
    if (words !== null) {
      for (let d = dst, w = src / 4; d < end; d += 4, w++) {
        const v = words[w];
        out[d] = table[v & 0xff];
        out[d + 1] = table[(v >>> 8) & 0xff];
        out[d + 2] = table[(v >>> 16) & 0xff];
        out[d + 3] = table[v >>> 24];
      }
    } else {
      for (let d = dst, i = src; d < end; d++, i++) out[d] = table[bytes[i]];
    }
    src += plane;
    dst = end;
  }
}

/** Writes the dense form of sparse row n into out[at .. at + width) (zeros included). */
function densifyRow(rows: SparseRows, n: number, out: Float32Array, at: number): void {
  out.fill(0, at, at + rows.width);
  for (let k = rows.offsets[n]; k < rows.offsets[n + 1]; k++) out[at + rows.indices[k]] = rows.values[k];
}

/**
 * Writes the inputs of the examples at indices into out, one after another (example indices[i]
 * at out[i * featureSize ..]): the normalised float32 values, decoded from bytes for image splits.
 */
export function copyExamples(split: Split, indices: ArrayLike<number>, out: Float32Array): void {
  const f = featureSize(split);
  if (out.length < indices.length * f) throw new RangeError(`copyExamples: ${indices.length} examples of ${f} values need ${indices.length * f}, out holds ${out.length}`);
  if (split.pixels !== undefined) {
    const tables = channelTables(split.pixels);
    const words = wordView(split.pixels);
    for (let i = 0; i < indices.length; i++) decodeImage(split.pixels, tables, words, indices[i], out, i * f);
    return;
  }
  if (split.rows !== undefined) {
    for (let i = 0; i < indices.length; i++) densifyRow(split.rows, indices[i], out, i * f);
    return;
  }
  const x = split.x;
  for (let i = 0; i < indices.length; i++) {
    const n = indices[i];
    out.set(x.subarray(n * f, (n + 1) * f), i * f);
  }
}

/**
 * All of a split's inputs as one new count x featureSize float32 array (row-major), the values
 * its batches hold. For an image split this decodes every pixel into 4 bytes (188 MB for MNIST's
 * train split): prefer DataLoader batches or copyExamples when the whole matrix is not needed.
 */
export function featureMatrix(split: Split): Float32Array {
  if (split.x !== undefined) return split.x.slice();
  const f = featureSize(split);
  const out = new Float32Array(split.count * f);
  if (split.rows !== undefined) {
    for (let n = 0; n < split.count; n++) densifyRow(split.rows, n, out, n * f);
    return out;
  }
  const tables = channelTables(split.pixels);
  const words = wordView(split.pixels);
  for (let n = 0; n < split.count; n++) decodeImage(split.pixels, tables, words, n, out, n * f);
  return out;
}

/** The smallest and largest input value of a split ([0, 0] when it has none), without decoding it. */
export function valueRange(split: Split): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  if (split.pixels !== undefined) {
    const { bytes, shape, table } = split.pixels;
    const plane = shape[1] * shape[2];
    for (let c = 0; c < shape[0]; c++) {
      const seen = new Uint8Array(256);
      for (let start = c * plane; start < bytes.length; start += shape[0] * plane) {
        for (let k = start; k < start + plane; k++) seen[bytes[k]] = 1;
      }
      for (let v = 0; v < 256; v++) {
        if (seen[v] === 0) continue;
        const value = table[c * 256 + v];
        if (value < min) min = value;
        if (value > max) max = value;
      }
    }
    return split.count === 0 ? [0, 0] : [min, max];
  }
  if (split.rows !== undefined) {
    const { values, width } = split.rows;
    // Any row with fewer stored entries than columns has a zero.
    const hasZero = split.count > 0 && values.length < split.count * width;
    min = hasZero ? 0 : Infinity;
    max = hasZero ? 0 : -Infinity;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return split.count === 0 ? [0, 0] : [min, max];
  }
  for (const v of split.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return split.x.length === 0 ? [0, 0] : [min, max];
}

/** The examples at indices, in that order, as a new split of the same representation (copies inputs and labels). */
export function selectExamples(split: Split, indices: ArrayLike<number>): Split {
  const f = featureSize(split);
  const count = indices.length;
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) y[i] = split.y[indices[i]];
  if (split.pixels !== undefined) {
    const src = split.pixels.bytes;
    const bytes = new Uint8Array(count * f);
    for (let i = 0; i < count; i++) {
      const n = indices[i];
      bytes.set(src.subarray(n * f, (n + 1) * f), i * f);
    }
    return { pixels: { ...split.pixels, bytes }, y, count };
  }
  if (split.rows !== undefined) return { rows: selectRows(split.rows, indices), y, count };
  const x = new Float32Array(count * f);
  copyExamples(split, indices, x);
  return { x, y, count };
}

/** The rows at indices, in that order, as new CSR rows. */
export function selectRows(rows: SparseRows, indices: ArrayLike<number>): SparseRows {
  const offsets = new Int32Array(indices.length + 1);
  for (let i = 0; i < indices.length; i++) offsets[i + 1] = offsets[i] + rows.offsets[indices[i] + 1] - rows.offsets[indices[i]];
  const out: SparseRows = { offsets, indices: new Int32Array(offsets[indices.length]), values: new Float32Array(offsets[indices.length]), width: rows.width };
  for (let i = 0; i < indices.length; i++) {
    const from = rows.offsets[indices[i]];
    const to = rows.offsets[indices[i] + 1];
    out.indices.set(rows.indices.subarray(from, to), offsets[i]);
    out.values.set(rows.values.subarray(from, to), offsets[i]);
  }
  return out;
}
