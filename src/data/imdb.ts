/**
 * IMDB (aclImdb): reviews in train|test/pos|neg/<id>_<rating>.txt, from the folder or from a
 * .tar.gz of it read in memory. Label: neg 0, pos 1. Examples are ordered neg then pos, by id.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MidlInputError } from '../errors.js';
import { readFileChecked } from './fileio.js';
import { imdbArchive } from './sources.js';
import { readTarFile } from './tar.js';
import { bagOfWords, documentFrequency, internWords, inverseDocumentFrequency, keepIds, mostFrequent, tokenIds, tokenize } from './text.js';
import type { Dataset, LoadOptions, Split } from './types.js';

export interface Review {
  id: number;
  rating: number;
  label: number;
  text: string;
}

const REVIEW = /(?:^|\/)(train|test)\/(pos|neg)\/(\d+)_(\d+)\.txt$/;
const decoder = new TextDecoder('utf-8');

function byLabelThenId(a: Review, b: Review): number {
  return a.label - b.label || a.id - b.id;
}

function emptySplits(): { train: Review[]; test: Review[] } {
  return { train: [], test: [] };
}

function addReview(splits: { train: Review[]; test: Review[] }, name: string, bytes: Uint8Array): void {
  const m = REVIEW.exec(name);
  if (m === null) return;
  splits[m[1] as 'train' | 'test'].push({ id: Number(m[3]), rating: Number(m[4]), label: m[2] === 'pos' ? 1 : 0, text: decoder.decode(bytes) });
}

function readFolder(dir: string): { train: Review[]; test: Review[] } {
  const splits = emptySplits();
  for (const split of ['train', 'test']) {
    for (const label of ['neg', 'pos']) {
      const folder = path.join(dir, split, label);
      if (!fs.existsSync(folder)) continue;
      for (const f of fs.readdirSync(folder)) addReview(splits, `${split}/${label}/${f}`, readFileChecked(path.join(folder, f)));
    }
  }
  return splits;
}

/** Reads the labelled reviews from the aclImdb folder in dir, else from the aclImdb*.tar.gz there. */
export function readImdb(dir: string): { train: Review[]; test: Review[]; files: string[] } {
  const hasFolder = fs.existsSync(path.join(dir, 'train')) && fs.existsSync(path.join(dir, 'test'));
  const archive = hasFolder ? null : imdbArchive(dir);
  let splits = emptySplits();
  if (archive === null) splits = readFolder(dir);
  else for (const entry of readTarFile(archive)) addReview(splits, entry.name, entry.data);
  const source = archive ?? dir;
  for (const split of ['train', 'test'] as const) {
    if (splits[split].length === 0) throw new MidlInputError(`${source}: no ${split}/pos or ${split}/neg reviews found`);
    splits[split].sort(byLabelThenId);
  }
  return { ...splits, files: [source] };
}

function* tokenized(reviews: Review[]): Generator<string[]> {
  for (const r of reviews) yield tokenize(r.text);
}

export function buildImdb(dir: string, opts: LoadOptions): Dataset {
  const { train, test, files } = readImdb(dir);
  const vocabSize = opts.imdbVocabSize ?? 10000;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new MidlInputError(`imdb vocabulary size must be a positive integer, got ${vocabSize}`);
  // Training words are interned in one pass, then the vocabulary's ids kept: no review's token list is held as strings.
  const interned = internWords(tokenized(train));
  const kept = mostFrequent(interned.words, interned.counts, vocabSize);
  const vocab = kept.map((i) => interned.words[i]);
  const trainBags = keepIds(interned.bags, kept, interned.words.length);
  const testBags = tokenIds(tokenized(test), new Map(vocab.map((w, i) => [w, i])));
  const features = opts.imdbFeatures ?? 'binary';
  const idf = features === 'tfidf' ? inverseDocumentFrequency(documentFrequency(trainBags, vocab.length), train.length) : undefined;
  const split = (reviews: Review[], bags: typeof trainBags): Split => ({
    rows: bagOfWords(bags, vocab.length, idf), y: Int32Array.from(reviews, (r) => r.label), count: reviews.length, tokens: bags,
  });
  return {
    name: 'imdb', numClasses: 2, inputShape: [vocab.length],
    train: split(train, trainBags), test: split(test, testBags),
    classNames: ['neg', 'pos'], files,
    notes: [
      `vocabulary: the ${vocab.length} most frequent training words (lowercased, <br /> removed, punctuation dropped)`,
      `features: ${features === 'tfidf' ? 'TF-IDF, (1 + ln tf) * idf, unit L2 norm, idf fitted on train' : 'binary bag of words'}, held as sparse rows; tokens: in-vocabulary word ids per review`,
    ],
  };
}
