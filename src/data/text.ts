/**
 * Text features for IMDB: a tokenizer, a vocabulary of the most frequent training words, and
 * bag-of-words (binary or TF-IDF) and token-id representations.
 */
import type { SparseRows, TokenBags } from './types.js';

const LINE_BREAK = /<br\s*\/?>/gi;
/** A word is a run of letters or digits, with inner apostrophes kept (don't, it's); punctuation is dropped. */
const WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().replace(LINE_BREAK, ' ').match(WORD) ?? [];
}

/** Growable list of int32 values (a plain number[] of millions of entries costs twice the memory). */
class IntList {
  data = new Int32Array(1 << 16);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(2 * this.data.length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }

  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * The docs as ids into a word list built on the way (words in order of first occurrence),
 * with each word's count: one pass, and no word kept more than once.
 */
export function internWords(docs: Iterable<string[]>): { words: string[]; counts: number[]; bags: TokenBags } {
  const index = new Map<string, number>();
  const words: string[] = [];
  const counts: number[] = [];
  const ids = new IntList();
  const offsets = new IntList();
  offsets.push(0);
  for (const doc of docs) {
    for (const w of doc) {
      let id = index.get(w);
      if (id === undefined) {
        id = words.length;
        index.set(w, id);
        words.push(w);
        counts.push(0);
      }
      counts[id]++;
      ids.push(id);
    }
    offsets.push(ids.length);
  }
  return { words, counts, bags: { ids: ids.toArray(), offsets: offsets.toArray() } };
}

/** Ids of the size most frequent words; equal counts are ordered by the words' code units, so the result is deterministic. */
export function mostFrequent(words: string[], counts: number[], size: number): number[] {
  return Array.from(words.keys())
    .sort((a, b) => counts[b] - counts[a] || (words[a] < words[b] ? -1 : words[a] > words[b] ? 1 : 0))
    .slice(0, size);
}

/** The size most frequent words of docs (see mostFrequent). */
export function buildVocabulary(docs: string[][], size: number): string[] {
  const { words, counts } = internWords(docs);
  return mostFrequent(words, counts, size).map((i) => words[i]);
}

/** Bags of interned ids with each id replaced by its position in kept; ids not kept are dropped. */
export function keepIds(bags: TokenBags, kept: number[], idCount: number): TokenBags {
  const position = new Int32Array(idCount).fill(-1);
  kept.forEach((id, i) => (position[id] = i));
  const ids = new IntList();
  const offsets = new Int32Array(bags.offsets.length);
  for (let n = 0; n + 1 < bags.offsets.length; n++) {
    for (let i = bags.offsets[n]; i < bags.offsets[n + 1]; i++) if (position[bags.ids[i]] >= 0) ids.push(position[bags.ids[i]]);
    offsets[n + 1] = ids.length;
  }
  return { ids: ids.toArray(), offsets };
}

/** Each doc's in-vocabulary tokens as ids, in order; out-of-vocabulary words are dropped. */
export function tokenIds(docs: Iterable<string[]>, vocab: Map<string, number>): TokenBags {
  const ids = new IntList();
  const offsets = new IntList();
  offsets.push(0);
  for (const doc of docs) {
    for (const w of doc) {
      const id = vocab.get(w);
      if (id !== undefined) ids.push(id);
    }
    offsets.push(ids.length);
  }
  return { ids: ids.toArray(), offsets: offsets.toArray() };
}

/** Number of training docs each vocabulary word appears in. */
export function documentFrequency(bags: TokenBags, vocabSize: number): Int32Array {
  const df = new Int32Array(vocabSize);
  const seen = new Int32Array(vocabSize).fill(-1);
  for (let n = 0; n + 1 < bags.offsets.length; n++) {
    for (let i = bags.offsets[n]; i < bags.offsets[n + 1]; i++) {
      const id = bags.ids[i];
      if (seen[id] !== n) {
        seen[id] = n;
        df[id]++;
      }
    }
  }
  return df;
}

/** Smoothed inverse document frequency, ln((1 + N) / (1 + df)) + 1, fitted on the training docs. */
export function inverseDocumentFrequency(df: Int32Array, numDocs: number): Float64Array {
  return Float64Array.from(df, (d) => Math.log((1 + numDocs) / (1 + d)) + 1);
}

/**
 * Bag-of-words rows of vocabSize columns as CSR (each row's word ids ascending): 1 where a word
 * occurs (binary), or, given idf, (1 + ln tf) * idf scaled to unit L2 norm per document (TF-IDF).
 */
export function bagOfWords(bags: TokenBags, vocabSize: number, idf?: Float64Array): SparseRows {
  const count = bags.offsets.length - 1;
  const tf = new Int32Array(vocabSize);
  const offsets = new Int32Array(count + 1);
  const indices = new Int32Array(bags.ids.length);
  const values = new Float32Array(bags.ids.length);
  let nnz = 0;
  for (let n = 0; n < count; n++) {
    const start = nnz;
    for (let i = bags.offsets[n]; i < bags.offsets[n + 1]; i++) {
      const id = bags.ids[i];
      if (tf[id]++ === 0) indices[nnz++] = id;
    }
    const row = indices.subarray(start, nnz).sort();
    let norm = 0;
    for (let k = 0; k < row.length; k++) {
      const id = row[k];
      const w = idf === undefined ? 1 : (1 + Math.log(tf[id])) * idf[id];
      values[start + k] = w;
      norm += w * w;
      tf[id] = 0;
    }
    if (idf !== undefined && norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let k = start; k < nnz; k++) values[k] *= scale;
    }
    offsets[n + 1] = nnz;
  }
  return { offsets, indices: indices.slice(0, nnz), values: values.slice(0, nnz), width: vocabSize };
}
