/** File reading with one-line MidlInputErrors that name the file. */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { MidlInputError } from '../errors.js';

/** Reads a whole file; a missing or unreadable file is a MidlInputError. */
export function readFileChecked(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MidlInputError(`${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (err as Error).message})`}`);
  }
}

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Decompresses gzip data; corrupt or truncated data is a MidlInputError naming file. */
export function gunzipChecked(buf: Uint8Array, file: string): Buffer {
  try {
    return zlib.gunzipSync(buf, { chunkSize: outputSizeHint(buf) });
  } catch (err) {
    throw new MidlInputError(`${file}: corrupt gzip data (${oneLine(err)})`);
  }
}

/**
 * The gzip trailer's size field (the uncompressed size mod 2^32), bounded by deflate's maximum
 * ratio, as zlib's output chunk size: one chunk instead of thousands of 16 KiB pieces to join
 * halves the time of large files. It is only a hint; a wrong value costs speed, not correctness.
 */
function outputSizeHint(buf: Uint8Array): number {
  const trailer = buf.length >= 4 ? Buffer.from(buf.buffer, buf.byteOffset + buf.length - 4, 4).readUInt32LE(0) : 0;
  return Math.max(zlib.constants.Z_MIN_CHUNK, Math.min(trailer + 1, buf.length * 1032, 2 ** 30));
}

/** Reads a file and, when it starts with the gzip magic bytes, decompresses it. */
export function readMaybeGzip(file: string): Buffer {
  const raw = readFileChecked(file);
  return isGzip(raw) ? gunzipChecked(raw, file) : raw;
}

/** The first line of an error's message. */
export function oneLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0];
}

/** The first of the candidate paths that exists, or null. */
export function firstExisting(candidates: string[]): string | null {
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}
