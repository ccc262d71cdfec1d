import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { buildVocabulary, classCounts, loadDataset, readTar, readTarFile, tokenize } from '../../src/data/index.js';
import { bagOfWords, inverseDocumentFrequency, documentFrequency, tokenIds } from '../../src/data/text.js';
import { MidlInputError } from '../../src/errors.js';
import { fixtureDataDir, tempDir } from '../helpers.js';

/** A tar header block for a regular file (type '0') or GNU long name ('L'). */
function tarHeader(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 99), 0, 'utf8');
  h.write('0000644\0', 100);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write('ustar  \0', 257);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** A GNU-format tar of the given files, long names through '././@LongLink' entries. */
function makeTar(files: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    if (name.length > 99) parts.push(tarHeader('././@LongLink', name.length + 1, 'L'), padded(Buffer.from(`${name}\0`)));
    parts.push(tarHeader(name, data.length), padded(data));
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

test('IMDB from a tar.gz of real reviews: counts, balance, labels, vocabulary, token bags', async () => {
  const d = await loadDataset('imdb', { dataDir: fixtureDataDir });
  assert.equal(d.train.count, 120);
  assert.equal(d.test.count, 120);
  assert.deepEqual(classCounts(d.train.y, 2), [60, 60]);
  assert.deepEqual(classCounts(d.test.y, 2), [60, 60]);
  assert.deepEqual([...d.train.y.subarray(58, 62)], [0, 0, 1, 1], 'neg first, then pos');
  assert.ok(d.files[0].endsWith('aclImdb_fixture.tar.gz'));
  const V = d.inputShape[0];
  assert.ok(V > 1000 && V <= 10000, `vocabulary ${V}`);
  const rows = d.train.rows!;
  assert.ok(rows !== undefined, 'IMDB splits are sparse rows');
  assert.equal(rows.width, V);
  assert.equal(rows.offsets.length, 121);
  const tokens = d.train.tokens!;
  assert.equal(tokens.offsets.length, 121);
  assert.equal(tokens.offsets[120], tokens.ids.length);
  // Binary bag of words agrees with the token ids of the first review: each distinct id once, ascending, value 1.
  const first = [...new Set(tokens.ids.subarray(tokens.offsets[0], tokens.offsets[1]))].sort((a, b) => a - b);
  assert.deepEqual([...rows.indices.subarray(rows.offsets[0], rows.offsets[1])], first);
  assert.ok(rows.values.every((v) => v === 1));
  assert.ok(tokens.ids.every((id) => id >= 0 && id < V));
});

test('tokenizer: lowercase, <br /> removed, punctuation dropped, inner apostrophes kept', () => {
  assert.deepEqual(tokenize("Great movie!<br /><br />I didn't LIKE the end... 10/10"), ['great', 'movie', 'i', "didn't", 'like', 'the', 'end', '10', '10']);
});

test('vocabulary: most frequent first, ties by code units, capped at V', () => {
  assert.deepEqual(buildVocabulary([['b', 'a', 'c'], ['c', 'b', 'd']], 3), ['b', 'c', 'a']);
});

test('TF-IDF rows have unit norm and weigh rare words up', () => {
  const docs = [['good', 'good', 'film'], ['bad', 'film'], ['film']];
  const vocab = new Map([['film', 0], ['good', 1], ['bad', 2]]);
  const bags = tokenIds(docs, vocab);
  const idf = inverseDocumentFrequency(documentFrequency(bags, 3), 3);
  const rows = bagOfWords(bags, 3, idf);
  assert.deepEqual([...rows.offsets], [0, 2, 4, 5]);
  assert.deepEqual([...rows.indices], [0, 1, 0, 2, 0]);
  for (let n = 0; n < 3; n++) {
    const norm = Math.hypot(...rows.values.subarray(rows.offsets[n], rows.offsets[n + 1]));
    assert.ok(Math.abs(norm - 1) < 1e-6);
  }
  assert.ok(rows.values[1] > rows.values[0], 'good (twice, rarer) outweighs film');
  assert.equal(rows.values[4], 1);
});

test('IMDB from the aclImdb folder layout, ordered neg then pos by id', async () => {
  const root = path.join(tempDir(), 'aclImdb');
  const files: Record<string, string> = {
    'train/pos/10_9.txt': 'Loved it', 'train/pos/2_8.txt': 'Great fun', 'train/neg/0_1.txt': 'Awful<br />film',
    'test/pos/0_10.txt': 'great', 'test/neg/1_2.txt': 'awful awful', 'train/urls_pos.txt': 'ignored',
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  const d = await loadDataset('imdb', { dataDir: path.dirname(root), imdbVocabSize: 3, imdbFeatures: 'tfidf' });
  assert.deepEqual([...d.train.y], [0, 1, 1]);
  assert.equal(d.inputShape[0], 3);
  assert.deepEqual([...d.test.y], [0, 1]);
});

test('tar reader: GNU long names; damaged archives are one-line errors', () => {
  const long = `aclImdb/train/pos/${'x'.repeat(120)}.txt`;
  const tar = makeTar({ 'aclImdb/README': 'hello', [long]: 'long one' });
  const entries = readTar(tar, 'a.tar');
  assert.deepEqual(entries.map((e) => e.name), ['aclImdb/README', long]);
  assert.equal(entries[1].data.toString(), 'long one');
  const bad = Buffer.from(tar);
  bad[10] ^= 0xff;
  assert.throws(() => readTar(bad, 'a.tar'), (e: Error) => e instanceof MidlInputError && /a\.tar: corrupt tar archive \(bad header checksum/.test(e.message));
  assert.throws(() => readTar(tar.subarray(0, 700), 'a.tar'), (e: Error) => e instanceof MidlInputError && /a\.tar: truncated tar archive/.test(e.message));
  const dir = tempDir();
  const gz = zlib.gzipSync(tar);
  fs.writeFileSync(path.join(dir, 'cut.tar.gz'), gz.subarray(0, gz.length - 20));
  assert.throws(() => readTarFile(path.join(dir, 'cut.tar.gz')), (e: Error) => e instanceof MidlInputError && /cut\.tar\.gz: corrupt gzip data/.test(e.message));
  fs.writeFileSync(path.join(dir, 'aclImdb_x.tar.gz'), zlib.gzipSync(makeTar({ 'aclImdb/README': 'no reviews' })));
  return assert.rejects(loadDataset('imdb', { dataDir: dir }), (e: Error) => e instanceof MidlInputError && /aclImdb_x\.tar\.gz: no train\/pos or train\/neg reviews found/.test(e.message));
});
