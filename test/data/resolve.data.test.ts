import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { loadDataset } from '../../src/data/index.js';
import { MidlInputError } from '../../src/errors.js';
import { sharedDataDir, tempDir } from '../helpers.js';

/** A local server for the Adult files; /bad/ serves them with one byte changed. */
async function adultServer(): Promise<{ url: string; close: () => void; requests: string[] }> {
  const adultDir = path.join(sharedDataDir(), 'adult');
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const file = path.join(adultDir, path.basename(req.url ?? ''));
    if (!fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const body = fs.readFileSync(file);
    if (req.url?.startsWith('/bad/')) body[1000] ^= 1;
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close(), requests };
}

test('missing files are downloaded into the cache, checksummed, with progress', async () => {
  const server = await adultServer();
  try {
    const cache = tempDir();
    const progress: number[] = [];
    const d = await loadDataset('adult', { cacheDir: cache, baseUrl: `${server.url}/ok/`, onProgress: (p) => progress.push(p.received) });
    assert.equal(d.train.count, 32561);
    assert.deepEqual(fs.readdirSync(path.join(cache, 'adult')).sort(), ['adult.data', 'adult.test']);
    assert.equal(progress.at(-1), 2003153);
    await loadDataset('adult', { cacheDir: cache, baseUrl: `${server.url}/ok/` });
    assert.equal(server.requests.length, 2, 'the second load uses the cache');
  } finally {
    server.close();
  }
});

test('a checksum mismatch discards the download; an unreachable server names the files and the folder', async () => {
  const server = await adultServer();
  const cache = tempDir();
  try {
    await assert.rejects(loadDataset('adult', { cacheDir: cache, baseUrl: `${server.url}/bad` }), (e: Error) =>
      e instanceof MidlInputError && /adult\.data: checksum mismatch \(md5 [0-9a-f]{32}, expected 5d7c39d7b8804f071cdd1f2a7c460872\)/.test(e.message));
    assert.deepEqual(fs.readdirSync(path.join(cache, 'adult')), [], 'nothing left behind');
  } finally {
    server.close();
  }
  await assert.rejects(loadDataset('adult', { cacheDir: cache, baseUrl: server.url }), (e: Error) =>
    e instanceof MidlInputError && e.message.includes('cannot download') && e.message.includes('adult.data and adult.test') &&
    e.message.includes(path.join(cache, 'adult')) && !e.message.includes('\n'));
});
