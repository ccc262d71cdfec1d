/**
 * UCI Adult: comma-and-space separated rows of 14 attributes and the income label. Categorical
 * columns are one-hot encoded ('?' is its own category, "missing"), numeric columns standardised;
 * both fitted on adult.data only. Label: >50K is 1, <=50K is 0.
 */
import * as path from 'node:path';
import { MidlInputError } from '../errors.js';
import { readFileChecked } from './fileio.js';
import type { Dataset, Split } from './types.js';

export const adultColumns = [
  { name: 'age', numeric: true },
  { name: 'workclass', numeric: false },
  { name: 'fnlwgt', numeric: true },
  { name: 'education', numeric: false },
  { name: 'education-num', numeric: true },
  { name: 'marital-status', numeric: false },
  { name: 'occupation', numeric: false },
  { name: 'relationship', numeric: false },
  { name: 'race', numeric: false },
  { name: 'sex', numeric: false },
  { name: 'capital-gain', numeric: true },
  { name: 'capital-loss', numeric: true },
  { name: 'hours-per-week', numeric: true },
  { name: 'native-country', numeric: false },
] as const;

export const MISSING = 'missing';

/** One split as read: raw cells per column (numbers parsed), and labels. */
export interface AdultTable {
  rows: string[][];
  numbers: Float64Array[];
  labels: Int32Array;
  count: number;
}

/**
 * Parses adult.data or adult.test: skips blank lines and the test file's '|1x3 Cross validator'
 * line, strips the test labels' trailing '.', checks field counts and numeric cells.
 */
export function parseAdult(text: string, file: string): AdultTable {
  const rows: string[][] = [];
  const labels: number[] = [];
  text.split('\n').forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('|')) return;
    const fields = trimmed.split(',').map((f) => f.trim());
    if (fields.length !== adultColumns.length + 1) {
      throw new MidlInputError(`${file}:${i + 1}: expected ${adultColumns.length + 1} fields, found ${fields.length}`);
    }
    const label = fields.pop()!.replace(/\.$/, '');
    if (label !== '>50K' && label !== '<=50K') throw new MidlInputError(`${file}:${i + 1}: unknown income label '${label}'`);
    labels.push(label === '>50K' ? 1 : 0);
    adultColumns.forEach((col, c) => {
      if (col.numeric && !/^-?\d+(\.\d+)?$/.test(fields[c])) {
        throw new MidlInputError(`${file}:${i + 1}: ${col.name} '${fields[c]}' is not a number`);
      }
    });
    rows.push(fields);
  });
  if (rows.length === 0) throw new MidlInputError(`${file}: no data rows`);
  const numbers = adultColumns.map((col, c) => (col.numeric ? Float64Array.from(rows, (r) => Number(r[c])) : new Float64Array(0)));
  return { rows, numbers, labels: Int32Array.from(labels), count: rows.length };
}

/** Reads adult.data and adult.test from dir. */
export function readAdult(dir: string): { train: AdultTable; test: AdultTable; files: string[] } {
  const files = [path.join(dir, 'adult.data'), path.join(dir, 'adult.test')];
  const [train, test] = files.map((f) => parseAdult(readFileChecked(f).toString('utf8'), f));
  return { train, test, files };
}

/** How each column becomes features: its categories (sorted) or its train mean and std. */
export interface AdultEncoding {
  featureNames: string[];
  columns: ({ categories: string[] } | { mean: number; std: number })[];
}

const category = (cell: string): string => (cell === '?' ? MISSING : cell);

export function fitAdultEncoding(train: AdultTable): AdultEncoding {
  const featureNames: string[] = [];
  const columns = adultColumns.map((col, c) => {
    if (col.numeric) {
      featureNames.push(col.name);
      const values = train.numbers[c];
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
      return { mean, std: variance > 0 ? Math.sqrt(variance) : 1 };
    }
    const categories = [...new Set(train.rows.map((r) => category(r[c])))].sort();
    featureNames.push(...categories.map((v) => `${col.name}=${v}`));
    return { categories };
  });
  return { featureNames, columns };
}

/** Encodes a table; a category never seen in training gets all zeros in its column's block. */
export function encodeAdult(table: AdultTable, enc: AdultEncoding): Split {
  const width = enc.featureNames.length;
  const x = new Float32Array(table.count * width);
  let offset = 0;
  enc.columns.forEach((col, c) => {
    if ('mean' in col) {
      const values = table.numbers[c];
      for (let n = 0; n < table.count; n++) x[n * width + offset] = (values[n] - col.mean) / col.std;
      offset += 1;
    } else {
      const index = new Map(col.categories.map((v, i) => [v, i]));
      for (let n = 0; n < table.count; n++) {
        const i = index.get(category(table.rows[n][c]));
        if (i !== undefined) x[n * width + offset + i] = 1;
      }
      offset += col.categories.length;
    }
  });
  return { x, y: table.labels, count: table.count };
}

export function buildAdult(dir: string): Dataset {
  const { train, test, files } = readAdult(dir);
  const enc = fitAdultEncoding(train);
  const unseen = adultColumns.flatMap((col, c) => {
    const known = enc.columns[c];
    if (!('categories' in known)) return [];
    return [...new Set(test.rows.map((r) => category(r[c])))].filter((v) => !known.categories.includes(v)).map((v) => `${col.name}=${v}`);
  });
  const notes = [
    `${enc.featureNames.length} features: 6 numeric standardised with train mean/std, 8 categorical one-hot ('?' as category "${MISSING}")`,
  ];
  if (unseen.length > 0) notes.push(`test categories absent from train (encoded as all zeros): ${unseen.join(', ')}`);
  return {
    name: 'adult', numClasses: 2, inputShape: [enc.featureNames.length],
    train: encodeAdult(train, enc), test: encodeAdult(test, enc),
    classNames: ['<=50K', '>50K'], files, notes,
  };
}
