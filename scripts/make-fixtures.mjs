#!/usr/bin/env node
// Cuts the small real test fixtures (test/fixtures/data) from the complete datasets:
//   node scripts/make-fixtures.mjs [SOURCE_ROOT]     (default: ../shared/data beside the checkout)
// Every record is copied byte for byte from the start of the source file; only the count fields
// of the formats that carry one (the IDX headers) are rewritten to the new count. Rerunning it
// gives the same files, bit for bit (gzip without a timestamp, tar with fixed owners and times).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.resolve(process.argv[2] ?? path.join(repo, '..', 'shared', 'data'));
const out = path.join(repo, 'test', 'fixtures', 'data');

/** How many records of each file the fixtures keep. */
const COUNTS = {
  mnist: { train: 1000, test: 500 },
  cifar10: { train: 300, test: 100 },
  cifar100: { train: 300, test: 100 },
  adultLines: { train: 2000, test: 1001 },
  imdbPerFolder: 60,
};

const write = (rel, bytes) => {
  const file = path.join(out, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
};
const gzip = (bytes) => zlib.gzipSync(bytes, { level: 9 });

/** The first n records of an IDX file, with its count field (bytes 4..7) set to n. */
function idxHead(file, n) {
  const idx = zlib.gunzipSync(fs.readFileSync(file));
  const dims = idx[3];
  let record = 1;
  for (let i = 1; i < dims; i++) record *= idx.readUInt32BE(4 + 4 * i);
  const header = Buffer.from(idx.subarray(0, 4 + 4 * dims));
  header.writeUInt32BE(n, 4);
  return Buffer.concat([header, idx.subarray(header.length, header.length + n * record)]);
}

function mnist() {
  for (const [prefix, n] of [['train', COUNTS.mnist.train], ['t10k', COUNTS.mnist.test]]) {
    for (const kind of ['images-idx3', 'labels-idx1']) {
      const stem = `${prefix}-${kind}-ubyte`;
      write(`mnist/${stem}.gz`, gzip(idxHead(path.join(src, 'mnist', `${stem}.gz`), n)));
    }
  }
}

/** The first n fixed-size records of a binary file. */
const recordsHead = (file, recordBytes, n) => fs.readFileSync(file).subarray(0, recordBytes * n);

function cifar() {
  const c10 = path.join(src, 'cifar-10', 'cifar-10-batches-bin');
  write('cifar-10/cifar-10-batches-bin/data_batch_1.bin', recordsHead(path.join(c10, 'data_batch_1.bin'), 3073, COUNTS.cifar10.train));
  write('cifar-10/cifar-10-batches-bin/test_batch.bin', recordsHead(path.join(c10, 'test_batch.bin'), 3073, COUNTS.cifar10.test));
  write('cifar-10/cifar-10-batches-bin/batches.meta.txt', fs.readFileSync(path.join(c10, 'batches.meta.txt')));
  const c100 = path.join(src, 'cifar-100', 'cifar-100-binary');
  write('cifar-100/cifar-100-binary/train.bin', recordsHead(path.join(c100, 'train.bin'), 3074, COUNTS.cifar100.train));
  write('cifar-100/cifar-100-binary/test.bin', recordsHead(path.join(c100, 'test.bin'), 3074, COUNTS.cifar100.test));
  for (const f of ['coarse_label_names.txt', 'fine_label_names.txt']) {
    write(`cifar-100/cifar-100-binary/${f}`, fs.readFileSync(path.join(c100, f)));
  }
}

/** The first n lines of a text file, each with its line ending. */
function linesHead(file, n) {
  const text = fs.readFileSync(file, 'latin1');
  let end = 0;
  for (let i = 0; i < n; i++) end = text.indexOf('\n', end) + 1;
  return Buffer.from(text.slice(0, end), 'latin1');
}

function adult() {
  write('adult/adult.data', linesHead(path.join(src, 'adult', 'adult.data'), COUNTS.adultLines.train));
  write('adult/adult.test', linesHead(path.join(src, 'adult', 'adult.test'), COUNTS.adultLines.test));
}

/** The first reviews (in archive order) of each train|test/neg|pos folder, repacked as a tar.gz. */
function imdb() {
  const archive = path.join(src, 'imdb', 'aclImdb_labelled.tar.gz');
  const list = spawnSync('tar', ['-tzf', archive], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (list.status !== 0) throw new Error(`tar -tzf ${archive}: ${list.stderr}`);
  const picked = [];
  for (const folder of ['train/neg', 'train/pos', 'test/neg', 'test/pos']) {
    const prefix = `aclImdb/${folder}/`;
    picked.push(...list.stdout.split('\n').filter((m) => m.startsWith(prefix) && m.endsWith('.txt')).slice(0, COUNTS.imdbPerFolder));
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'midl-fixtures-'));
  try {
    const names = path.join(tmp, 'names');
    fs.writeFileSync(names, `${picked.join('\n')}\n`);
    const run = (args) => {
      const r = spawnSync('tar', args, { cwd: tmp, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`tar ${args.join(' ')}: ${r.stderr}`);
    };
    run(['-xzf', archive, '-T', names]);
    run(['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', 'reviews.tar', '-T', names]);
    write('imdb/aclImdb_fixture.tar.gz', gzip(fs.readFileSync(path.join(tmp, 'reviews.tar'))));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function svhn() {
  for (const f of ['train_32x32.mat', 'test_32x32.mat']) write(`svhn/${f}`, fs.readFileSync(path.join(src, 'svhn', f)));
}

if (!fs.existsSync(src)) {
  console.error(`make-fixtures: source data root ${src} not found`);
  process.exit(2);
}
fs.rmSync(out, { recursive: true, force: true });
mnist();
cifar();
adult();
imdb();
svhn();
console.log(`make-fixtures: wrote ${out} from ${src}`);
