/**
 * A reader for MATLAB level-5 MAT-files (the format scipy.io.savemat and MATLAB -v7 write):
 * a 128-byte header, then tagged data elements, each numeric array a miMATRIX element (array
 * flags, dimensions, name, real part), optionally inside zlib-compressed miCOMPRESSED elements.
 * Only real numeric arrays are returned; cells, structs, sparse and char arrays are skipped.
 */
import * as zlib from 'node:zlib';
import { MidlInputError } from '../errors.js';
import { oneLine } from './fileio.js';

export interface MatArray {
  name: string;
  /** MATLAB class id (mxDOUBLE_CLASS = 6 ... mxUINT64_CLASS = 15). */
  classId: number;
  /** Dimensions, column-major (MATLAB order). */
  dims: number[];
  /** The values in column-major order: the bytes themselves for uint8 storage, else numbers. */
  data: Uint8Array | Float64Array;
}

const miINT8 = 1;
const miUINT8 = 2;
const miMATRIX = 14;
const miCOMPRESSED = 15;
/** Element size and DataView getter of each numeric storage type. */
const storage: Record<number, [number, (v: DataView, at: number, le: boolean) => number]> = {
  1: [1, (v, at) => v.getInt8(at)],
  2: [1, (v, at) => v.getUint8(at)],
  3: [2, (v, at, le) => v.getInt16(at, le)],
  4: [2, (v, at, le) => v.getUint16(at, le)],
  5: [4, (v, at, le) => v.getInt32(at, le)],
  6: [4, (v, at, le) => v.getUint32(at, le)],
  7: [4, (v, at, le) => v.getFloat32(at, le)],
  9: [8, (v, at, le) => v.getFloat64(at, le)],
  12: [8, (v, at, le) => Number(v.getBigInt64(at, le))],
  13: [8, (v, at, le) => Number(v.getBigUint64(at, le))],
};
const numericClasses = new Set([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

interface Element {
  type: number;
  data: Buffer;
  /** Offset of the next element. */
  next: number;
}

class Reader {
  constructor(readonly file: string, readonly littleEndian: boolean) {}

  fail(problem: string): never {
    throw new MidlInputError(`${this.file}: ${problem}`);
  }

  /** The element at offset of buf (full or small format), bounds-checked. */
  element(buf: Buffer, offset: number): Element {
    if (offset + 8 > buf.length) this.fail(`truncated MAT-file (element tag at byte ${offset} cut off)`);
    const first = this.littleEndian ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
    if (first >>> 16 !== 0) {
      const size = first >>> 16;
      if (size > 4) this.fail(`corrupt MAT-file (small element of ${size} bytes at byte ${offset})`);
      return { type: first & 0xffff, data: buf.subarray(offset + 4, offset + 4 + size), next: offset + 8 };
    }
    const size = this.littleEndian ? buf.readUInt32LE(offset + 4) : buf.readUInt32BE(offset + 4);
    const start = offset + 8;
    if (start + size > buf.length) this.fail(`truncated MAT-file (element at byte ${offset} needs ${size} bytes, ${buf.length - start} left)`);
    // Compressed elements are not padded; all others are padded to 8 bytes.
    const next = first === miCOMPRESSED ? start + size : start + Math.ceil(size / 8) * 8;
    return { type: first, data: buf.subarray(start, start + size), next };
  }

  numbers(el: Element): Float64Array | Uint8Array {
    if (el.type === miUINT8) return new Uint8Array(el.data.buffer, el.data.byteOffset, el.data.length);
    const kind = storage[el.type] ?? this.fail(`unsupported MAT data type ${el.type}`);
    const [width, get] = kind;
    const view = new DataView(el.data.buffer, el.data.byteOffset, el.data.length);
    const out = new Float64Array(Math.floor(el.data.length / width));
    for (let i = 0; i < out.length; i++) out[i] = get(view, i * width, this.littleEndian);
    return out;
  }

  /** A numeric miMATRIX, or null for the kinds of array this reader skips. */
  matrix(data: Buffer): MatArray | null {
    const flags = this.element(data, 0);
    const dimsEl = this.element(data, flags.next);
    const nameEl = this.element(data, dimsEl.next);
    const flagWord = this.numbers(flags)[0];
    const classId = flagWord & 0xff;
    if (!numericClasses.has(classId) || (flagWord & 0x800) !== 0) return null;
    if (nameEl.type !== miINT8 && nameEl.type !== miUINT8) this.fail('corrupt MAT-file (array name missing)');
    const dims = Array.from(this.numbers(dimsEl));
    const real = this.element(data, nameEl.next);
    const values = this.numbers(real);
    const expected = dims.reduce((a, b) => a * b, 1);
    const name = nameEl.data.toString('latin1');
    if (values.length !== expected) this.fail(`array '${name}' has ${values.length} values for dimensions ${dims.join('x')}`);
    return { name, classId, dims, data: values };
  }

  /** Every numeric array among the elements of buf from offset on. */
  arrays(buf: Buffer, offset: number, into: Map<string, MatArray>): void {
    while (offset < buf.length) {
      if (buf.length - offset < 8 && buf.subarray(offset).every((b) => b === 0)) return;
      const el = this.element(buf, offset);
      if (el.type === miCOMPRESSED) this.arrays(this.inflate(el.data, offset), 0, into);
      else if (el.type === miMATRIX) {
        const array = this.matrix(el.data);
        if (array !== null) into.set(array.name, array);
      }
      offset = el.next;
    }
  }

  inflate(data: Buffer, offset: number): Buffer {
    try {
      return zlib.inflateSync(data);
    } catch (err) {
      this.fail(`corrupt compressed element at byte ${offset} (${oneLine(err)})`);
    }
  }
}

/** Parses a level-5 MAT-file held in memory into its numeric arrays, by name. */
export function parseMat(buf: Buffer, file: string): Map<string, MatArray> {
  const text = buf.subarray(0, Math.min(116, buf.length)).toString('latin1');
  if (text.startsWith('MATLAB 7.3')) throw new MidlInputError(`${file}: MATLAB 7.3 (HDF5) MAT-file; save it as level 5 (-v7) instead`);
  if (buf.length < 128 || !text.startsWith('MATLAB 5.0 MAT-file')) throw new MidlInputError(`${file}: not a MATLAB level-5 MAT-file`);
  const endian = buf.toString('latin1', 126, 128);
  if (endian !== 'IM' && endian !== 'MI') throw new MidlInputError(`${file}: not a MATLAB level-5 MAT-file (bad endian indicator)`);
  const arrays = new Map<string, MatArray>();
  new Reader(file, endian === 'IM').arrays(buf, 128, arrays);
  return arrays;
}
