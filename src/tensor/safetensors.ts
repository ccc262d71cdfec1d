/**
 * safetensors: the tensor file format of Hugging Face and PyTorch users. Layout: an
 * 8-byte little-endian header length N, N bytes of JSON ({name: {dtype, shape,
 * data_offsets: [begin, end]}, "__metadata__": {string: string}}), then the raw
 * little-endian tensor bytes. midl writes F32 and I32; it reads F32, F64, F16, BF16
 * (as float32) and I32, I64 (as int32, when in range).
 */
import * as fs from 'node:fs';
import { MidlInputError } from '../errors.js';
import { writeFileAtomic } from '../atomic-write.js';
import type { StateDict, StateEntry } from './state.js';

export interface SafetensorsFile {
  tensors: StateDict;
  metadata: Record<string, string>;
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const DTYPE_BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I32: 4, I64: 8 };

/** Encodes tensors (and string metadata) as safetensors bytes. */
export function encodeSafetensors(tensors: StateDict, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name) as StateEntry;
    const bytes = t.data.length * 4;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors.get(name) as StateEntry;
    const view = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    view.copy(out, at);
    at += view.length;
  }
  return out;
}

/** Decodes safetensors bytes; `file` names the source in errors. */
export function decodeSafetensors(bytes: Buffer, file: string): SafetensorsFile {
  const fail = (problem: string): never => {
    throw new MidlInputError(`${file}: not a valid safetensors file: ${problem}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, too short for the 8-byte header length`);
  const headerLength = bytes.readBigUInt64LE(0);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    fail(`header length ${headerLength} exceeds the file (${bytes.length} bytes)`);
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  } catch (err) {
    fail(`header is not JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const data = bytes.subarray(8 + n);
  const tensors: StateDict = new Map();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(value, fail);
      continue;
    }
    tensors.set(name, decodeEntry(name, value, data, fail));
  }
  return { tensors, metadata };
}

function parseMetadata(value: unknown, fail: (p: string) => never): Record<string, string> {
  if (typeof value !== 'object' || value === null) fail('__metadata__ is not an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`__metadata__ value '${k}' is not a string`);
    out[k] = v as string;
  }
  return out;
}

function decodeEntry(name: string, value: unknown, data: Buffer, fail: (p: string) => never): StateEntry {
  const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof v !== 'object' || v === null) fail(`entry '${name}' is not an object`);
  const dtype = String(v.dtype);
  const width = DTYPE_BYTES[dtype];
  if (width === undefined) fail(`tensor '${name}' has unsupported dtype '${dtype}'`);
  const shape = v.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor '${name}' has a bad shape`);
  const offsets = v.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
    fail(`tensor '${name}' has bad data_offsets`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end || end > data.length) {
    fail(`tensor '${name}' data_offsets [${begin}, ${end}] are outside the ${data.length} data bytes`);
  }
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (count * width !== end - begin) {
    fail(`tensor '${name}' shape [${(shape as number[]).join(', ')}] needs ${count * width} bytes, offsets give ${end - begin}`);
  }
  const raw = data.subarray(begin, end);
  return { ...convert(dtype, raw, count, name, fail), shape: shape as number[] };
}

function convert(dtype: string, raw: Buffer, count: number, name: string, fail: (p: string) => never): Omit<StateEntry, 'shape'> {
  const f32 = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) f32[i] = raw.readFloatLE(i * 4);
      return { dtype: 'F32', data: f32 };
    case 'F64':
      for (let i = 0; i < count; i++) f32[i] = raw.readDoubleLE(i * 8);
      return { dtype: 'F32', data: f32 };
    case 'F16':
      for (let i = 0; i < count; i++) f32[i] = halfToFloat(raw.readUInt16LE(i * 2));
      return { dtype: 'F32', data: f32 };
    case 'BF16':
      for (let i = 0; i < count; i++) f32[i] = bfloatToFloat(raw.readUInt16LE(i * 2));
      return { dtype: 'F32', data: f32 };
    case 'I32': {
      const i32 = new Int32Array(count);
      for (let i = 0; i < count; i++) i32[i] = raw.readInt32LE(i * 4);
      return { dtype: 'I32', data: i32 };
    }
    default: {
      const i32 = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const x = raw.readBigInt64LE(i * 8);
        if (x > 2147483647n || x < -2147483648n) fail(`tensor '${name}' has an I64 value out of int32 range`);
        i32[i] = Number(x);
      }
      return { dtype: 'I32', data: i32 };
    }
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * Math.pow(2, -14) * (frac / 1024);
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * Math.pow(2, exp - 15) * (1 + frac / 1024);
}

function bfloatToFloat(b: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, b << 16);
  return buf.getFloat32(0);
}

export function saveSafetensors(file: string, tensors: StateDict, metadata: Record<string, string> = {}): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

export function loadSafetensors(file: string): SafetensorsFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new MidlInputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return decodeSafetensors(bytes, file);
}
