/** Downloads into the cache: streamed, checksummed, and written atomically (temp file, then rename). */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { MidlInputError } from '../errors.js';
import { oneLine } from './fileio.js';
import { sources, type RemoteFile } from './sources.js';
import { readTarFile } from './tar.js';
import type { DatasetName, DownloadProgress } from './types.js';

/** A failure to reach or read from the server (as opposed to a bad download). */
class NetworkError extends Error {}

export interface FetchOptions {
  md5?: string;
  sha256?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Gives up when the connection stays silent this long (default 30 s). */
  idleTimeoutMs?: number;
}

function get(url: string, idleTimeoutMs: number, redirectsLeft = 5): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location !== undefined && redirectsLeft > 0) {
        res.resume();
        resolve(get(new URL(res.headers.location, url).toString(), idleTimeoutMs, redirectsLeft - 1));
      } else if (status !== 200) {
        res.resume();
        reject(new NetworkError(`HTTP ${status}`));
      } else {
        resolve(res);
      }
    });
    req.setTimeout(idleTimeoutMs, () => req.destroy(new NetworkError(`no response for ${idleTimeoutMs / 1000} s`)));
    req.on('error', (err) => reject(err instanceof NetworkError ? err : new NetworkError(oneLine(err))));
  });
}

/**
 * Downloads url to dest. Network failures reject with a NetworkError; a checksum mismatch
 * rejects with a MidlInputError. Either way nothing is left at dest.
 */
export async function fetchToFile(url: string, dest: string, opts: FetchOptions = {}): Promise<void> {
  const res = await get(url, opts.idleTimeoutMs ?? 30_000);
  const total = Number(res.headers['content-length']) || null;
  const tmp = `${dest}.part-${process.pid}`;
  const md5 = crypto.createHash('md5');
  const sha256 = crypto.createHash('sha256');
  const out = fs.createWriteStream(tmp);
  let received = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      res.setTimeout(opts.idleTimeoutMs ?? 30_000, () => res.destroy(new NetworkError('connection stalled')));
      res.on('data', (chunk: Buffer) => {
        md5.update(chunk);
        sha256.update(chunk);
        received += chunk.length;
        opts.onProgress?.({ file: path.basename(dest), received, total });
      });
      res.on('error', (err) => reject(err instanceof NetworkError ? err : new NetworkError(oneLine(err))));
      res.on('aborted', () => reject(new NetworkError('connection closed early')));
      out.on('error', reject);
      out.on('finish', resolve);
      res.pipe(out);
    });
    if (total !== null && received !== total) throw new NetworkError(`received ${received} of ${total} bytes`);
    checkDigest(url, 'md5', md5.digest('hex'), opts.md5);
    checkDigest(url, 'sha256', sha256.digest('hex'), opts.sha256);
    fs.renameSync(tmp, dest);
  } catch (err) {
    out.destroy();
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function checkDigest(url: string, algorithm: string, actual: string, expected: string | undefined): void {
  if (expected !== undefined && actual !== expected.toLowerCase()) {
    throw new MidlInputError(`${url}: checksum mismatch (${algorithm} ${actual}, expected ${expected}); download discarded`);
  }
}

/** Writes the wanted members of a downloaded archive into dir (each atomically), then deletes the archive. */
function extractArchive(archive: string, dir: string, rename: (member: string) => string | null): void {
  for (const entry of readTarFile(archive)) {
    const target = rename(entry.name);
    if (target === null) continue;
    const tmp = path.join(dir, `${target}.part-${process.pid}`);
    fs.writeFileSync(tmp, entry.data);
    fs.renameSync(tmp, path.join(dir, target));
  }
  fs.rmSync(archive, { force: true });
}

function remoteUrl(remote: RemoteFile, baseUrl: string | undefined): string {
  return baseUrl === undefined ? remote.url : `${baseUrl.replace(/\/+$/, '')}/${remote.url.split('/').pop()}`;
}

/**
 * Downloads a dataset's canonical files into dir. An unreachable network is a one-line
 * MidlInputError listing the files needed and where to put them.
 */
export async function downloadDataset(
  name: DatasetName,
  dir: string,
  opts: { baseUrl?: string; onProgress?: (p: DownloadProgress) => void } = {},
): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (const remote of sources[name].downloads) {
    const dest = path.join(dir, remote.file);
    const url = remoteUrl(remote, opts.baseUrl);
    try {
      if (!fs.existsSync(dest)) await fetchToFile(url, dest, { md5: remote.md5, sha256: remote.sha256, onProgress: opts.onProgress });
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      throw new MidlInputError(
        `${name}: cannot download ${url} (${err.message}); put ${sources[name].needed} in ${dir}, ` +
          'or point --data-dir (or MIDL_DATA_DIR) at a folder holding them',
      );
    }
    if (remote.extract !== undefined) extractArchive(dest, dir, remote.extract);
  }
}
