/**
 * Text features for IMDB: a tokenizer, a vocabulary of the most frequent training words, and
 * bag-of-words (binary or TF-IDF) and token-id representations.
 */
import type { TokenBags } from './types.js';

const LINE_BREAK = /<br\s*\/?>/gi;
/** A word is a run of letters or digits, with inner apostrophes kept (don't, it's); punctuation is dropped. */
const WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().replace(LINE_BREAK, ' ').match(WORD) ?? [];
}

/** The size most frequent words of docs; equal counts are ordered by the words' code units, so the result is deterministic. */
export function buildVocabulary(docs: string[][], size: number): string[] {
  const counts = new Map<string, number>();
  for (const doc of docs) for (const w of doc) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, size)
    .map(([w]) => w);
}

/** Each doc's in-vocabulary tokens as ids, in order; out-of-vocabulary words are dropped. */
export function tokenIds(docs: string[][], vocab: Map<string, number>): TokenBags {
  const offsets = new Int32Array(docs.length + 1);
  const ids: number[] = [];
  docs.forEach((doc, n) => {
    for (const w of doc) {
      const id = vocab.get(w);
      if (id !== undefined) ids.push(id);
    }
    offsets[n + 1] = ids.length;
  });
  return { ids: Int32Array.from(ids), offsets };
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
 * Dense bag-of-words rows of vocabSize values: 1 where a word occurs (binary), or, given idf,
 * (1 + ln tf) * idf scaled to unit L2 norm per document (TF-IDF).
 */
export function bagOfWords(bags: TokenBags, vocabSize: number, idf?: Float64Array): Float32Array {
  const count = bags.offsets.length - 1;
  const x = new Float32Array(count * vocabSize);
  for (let n = 0; n < count; n++) {
    const row = x.subarray(n * vocabSize, (n + 1) * vocabSize);
    const start = bags.offsets[n];
    const end = bags.offsets[n + 1];
    if (idf === undefined) {
      for (let i = start; i < end; i++) row[bags.ids[i]] = 1;
      continue;
    }
    for (let i = start; i < end; i++) row[bags.ids[i]]++;
    let norm = 0;
    for (let i = start; i < end; i++) {
      const id = bags.ids[i];
      // The first visit of each id turns its count into a weight; later visits see weight < 0 and skip.
      if (row[id] > 0) {
        const w = (1 + Math.log(row[id])) * idf[id];
        row[id] = -w;
        norm += w * w;
      }
    }
    const scale = norm > 0 ? -1 / Math.sqrt(norm) : 0;
    for (let i = start; i < end; i++) if (row[bags.ids[i]] < 0) row[bags.ids[i]] *= scale;
  }
  return x;
}
