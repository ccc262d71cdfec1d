import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { candidateDirs, defaultCacheRoot, loadDataset, resolveDataDir, type DatasetName } from '../../src/data/index.js';
import { MidlInputError } from '../../src/errors.js';
import { fixtureDataDir, tempDir } from '../helpers.js';

test('the fixture data root resolves for every dataset', () => {
  const root = fixtureDataDir;
  const expected: Record<DatasetName, string> = {
    mnist: 'mnist', cifar10: 'cifar-10/cifar-10-batches-bin', cifar100: 'cifar-100/cifar-100-binary',
    svhn: 'svhn', adult: 'adult', imdb: 'imdb',
  };
  for (const [name, rel] of Object.entries(expected)) {
    const r = resolveDataDir(name as DatasetName, { dataDir: root });
    assert.equal(r.dir, path.join(root, rel));
    assert.equal(r.origin, 'data-dir');
  }
});

test('accepted layouts: the files themselves, the archive folder, the usual folder names', () => {
  const root = tempDir();
  const touch = (rel: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), '');
  };
  touch('direct/adult.data');
  touch('direct/adult.test');
  assert.equal(resolveDataDir('adult', { dataDir: path.join(root, 'direct') }).dir, path.join(root, 'direct'));
  touch('a/cifar-10-batches-bin/data_batch_3.bin');
  touch('a/cifar-10-batches-bin/test_batch.bin');
  assert.equal(resolveDataDir('cifar10', { dataDir: path.join(root, 'a') }).dir, path.join(root, 'a/cifar-10-batches-bin'));
  touch('b/cifar100/train.bin');
  touch('b/cifar100/test.bin');
  assert.equal(resolveDataDir('cifar100', { dataDir: path.join(root, 'b') }).dir, path.join(root, 'b/cifar100'));
  touch('c/imdb/aclImdb/train/pos/0_9.txt');
  touch('c/imdb/aclImdb/test/neg/0_1.txt');
  assert.equal(resolveDataDir('imdb', { dataDir: path.join(root, 'c') }).dir, path.join(root, 'c/imdb/aclImdb'));
  touch('d/aclImdb_v1.tar.gz');
  assert.equal(resolveDataDir('imdb', { dataDir: path.join(root, 'd') }).dir, path.join(root, 'd'));
  for (const stem of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) touch(`e/MNIST/${stem}`);
  assert.equal(resolveDataDir('mnist', { dataDir: path.join(root, 'e') }).dir, path.join(root, 'e/MNIST'));
  assert.deepEqual(candidateDirs('/r', 'svhn'), ['/r', '/r/svhn', '/r/SVHN']);
});

test('without a data dir: MIDL_DATA_DIR, else the XDG or home cache', () => {
  const env = { MIDL_DATA_DIR: fixtureDataDir, HOME: '/home/u' };
  assert.deepEqual(resolveDataDir('svhn', { env }), { dir: path.join(fixtureDataDir, 'svhn'), origin: 'env', present: true });
  const empty = tempDir();
  assert.deepEqual(resolveDataDir('svhn', { env: { MIDL_DATA_DIR: empty } }), { dir: path.join(empty, 'svhn'), origin: 'env', present: false });
  assert.equal(defaultCacheRoot({ XDG_CACHE_HOME: '/x' }), '/x/midl');
  assert.match(defaultCacheRoot({}), /\.cache\/midl$/);
  assert.equal(resolveDataDir('adult', { cacheDir: empty, env: {} }).dir, path.join(empty, 'adult'));
});

test('a data dir without the files is a one-line error listing what is needed and where it looked', () => {
  const dir = tempDir();
  assert.throws(() => resolveDataDir('cifar10', { dataDir: dir }), (e: Error) =>
    e instanceof MidlInputError && e.message.includes('data_batch_1.bin') && e.message.includes('cifar-10-batches-bin') && !e.message.includes('\n'));
  assert.throws(() => resolveDataDir('mnist', { dataDir: path.join(dir, 'nope') }), /data directory .*nope: not found/);
  return assert.rejects(loadDataset('adult', { cacheDir: dir, download: false }), /downloading is off/);
});
