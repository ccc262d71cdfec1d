/** A small in-memory tar reader (ustar, GNU long names, pax paths), for .tar.gz archives read without unpacking. */
import { MidlInputError } from '../errors.js';
import { gunzipChecked, isGzip, readFileChecked } from './fileio.js';

export interface TarEntry {
  name: string;
  /** A view into the archive buffer. */
  data: Buffer;
}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

/** An octal number field, or GNU base-256 when the high bit of the first byte is set. */
function numberField(header: Buffer, offset: number, length: number, file: string): number {
  if (header[offset] & 0x80) {
    let value = header[offset] & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + header[offset + i];
    return value;
  }
  const text = field(header, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new MidlInputError(`${file}: corrupt tar header (bad number '${text}')`);
  return parseInt(text, 8);
}

function checksumOk(header: Buffer, file: string): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum === numberField(header, 148, 8, file);
}

/** The path a pax extended header sets, if any. */
function paxPath(data: Buffer): string | undefined {
  const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
  return match?.[1];
}

/** Lists the regular files of a tar archive held in memory; a damaged archive is a MidlInputError naming file. */
export function readTar(buf: Buffer, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= buf.length) {
    const header = buf.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    if (!checksumOk(header, file)) throw new MidlInputError(`${file}: corrupt tar archive (bad header checksum at byte ${offset})`);
    const size = numberField(header, 124, 12, file);
    const type = String.fromCharCode(header[156] || 0x30);
    const dataStart = offset + BLOCK;
    if (dataStart + size > buf.length) throw new MidlInputError(`${file}: truncated tar archive (member needs ${size} bytes at byte ${dataStart})`);
    const data = buf.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix !== '' && field(header, 257, 5) === 'ustar' ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '7') entries.push({ name, data });
  }
  throw new MidlInputError(`${file}: truncated tar archive (no end-of-archive marker)`);
}

/** Reads a .tar.gz (or plain .tar) file into memory and lists its regular files. */
export function readTarFile(file: string): TarEntry[] {
  const raw = readFileChecked(file);
  return readTar(isGzip(raw) ? gunzipChecked(raw, file) : raw, file);
}
